import type { FeedModel, FeedPerson } from './build-feed.js'
import { historyLinks, NS, xmlDocument } from './rss.js'

type XMLBuilder = ReturnType<ReturnType<typeof xmlDocument>['ele']>

// RFC 3339 in UTC, as Atom requires (section 3.3).
const rfc3339 = (date: Date) => date.toISOString()

function addPerson(parent: XMLBuilder, person: FeedPerson) {
  const el = parent.ele('author')
  el.ele('name').txt(person.name)
  el.ele('uri').txt(person.url)
}

function addEntry(feed: XMLBuilder, item: FeedModel['items'][number]) {
  const entry = feed.ele('entry')
  // A URN from the post id: permanent, and the same whatever the post's slug or URL becomes.
  entry.ele('id').txt(`urn:uuid:${item.id}`)
  entry.ele('title', { type: 'text' }).txt(item.title)
  entry.ele('link', { rel: 'alternate', type: 'text/html', href: item.url })
  entry.ele('published').txt(rfc3339(item.publishedAt))
  entry.ele('updated').txt(rfc3339(item.updatedAt))
  for (const author of item.authors) addPerson(entry, author)
  // The tag's name as the term: readers show `term`, and it is what the RSS and JSON feeds carry too.
  for (const category of item.categories) entry.ele('category', { term: category.name })
  entry.ele('summary', { type: 'text' }).txt(item.summary)
  entry.ele('content', { type: 'html' }).txt(item.html)
}

/** Pure: a feed model -> an Atom 1.0 (RFC 4287) document with the full html as escaped content. */
export function renderAtom(model: FeedModel): string {
  const feed = xmlDocument().ele(NS.atom, 'feed', { 'xml:lang': model.language, 'xmlns:fh': NS.fh })
  feed.ele('id').txt(model.id)
  feed.ele('title', { type: 'text' }).txt(model.title)
  feed.ele('subtitle', { type: 'text' }).txt(model.description)
  feed.ele('updated').txt(rfc3339(model.updatedAt))
  feed.ele('link', { rel: 'self', type: 'application/atom+xml', href: model.self.atom })
  feed.ele('link', { rel: 'alternate', type: 'text/html', href: model.homePageUrl })
  for (const link of historyLinks(model, (l) => l.atom)) {
    feed.ele('link', link.rel === 'hub' ? link : { ...link, type: 'application/atom+xml' })
  }
  // Atom needs an author for every entry: the site stands in for an entry that names none.
  addPerson(feed, model.author)
  feed.ele('generator').txt(model.generator)
  if (model.current) feed.ele(NS.fh, 'fh:archive')
  for (const item of model.items) addEntry(feed, item)
  return feed.end({ prettyPrint: false })
}
