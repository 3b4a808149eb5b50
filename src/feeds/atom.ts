import type { FeedItem, FeedModel, FeedPerson } from './build-feed.js'
import { featureImage, historyLinks, NS, renderXml, type XmlNode } from './xml.js'

// RFC 3339 in UTC, as Atom requires (RFC 4287 section 3.3).
const rfc3339 = (date: Date) => date.toISOString()

const toPerson = (person: FeedPerson): XmlNode => ({ name: person.name, uri: person.url })

function toEntry(item: FeedItem): XmlNode {
  return {
    // A URN from the post id: permanent, and the same whatever the post's slug or URL becomes.
    id: `urn:uuid:${item.id}`,
    title: { '@type': 'text', '#text': item.title },
    link: { '@rel': 'alternate', '@type': 'text/html', '@href': item.url },
    published: rfc3339(item.publishedAt),
    updated: rfc3339(item.updatedAt),
    author: item.authors.map(toPerson),
    // The tag's name as the term: readers show `term`, and it is what the RSS and JSON feeds carry too.
    category: item.categories.map((c) => ({ '@term': c.name })),
    summary: { '@type': 'text', '#text': item.summary },
    content: { '@type': 'html', '#text': item.html },
    ...featureImage(item),
  }
}

/** Pure: a feed model -> an Atom 1.0 (RFC 4287) document with the full html as escaped content. */
export function renderAtom(model: FeedModel): string {
  const type = 'application/atom+xml'
  return renderXml({
    feed: {
      '@xmlns': NS.atom,
      '@xmlns:fh': NS.fh,
      '@xmlns:media': NS.media,
      '@xml:lang': model.language,
      id: model.id,
      title: { '@type': 'text', '#text': model.title },
      subtitle: { '@type': 'text', '#text': model.description },
      updated: rfc3339(model.updatedAt),
      link: [
        { '@rel': 'self', '@type': type, '@href': model.self.atom },
        { '@rel': 'alternate', '@type': 'text/html', '@href': model.homePageUrl },
        ...historyLinks(model, (l) => l.atom, type),
      ],
      // Atom needs an author for every entry: the site stands in for an entry that names none.
      author: toPerson(model.author),
      generator: model.generator,
      ...(model.current ? { 'fh:archive': '' } : {}),
      entry: model.items.map(toEntry),
    },
  })
}
