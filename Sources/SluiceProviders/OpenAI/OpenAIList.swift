import Foundation

/// A cursor page (`object: "list"`); the next page starts after the last item's id.
public struct OpenAIList<Item: Codable & Sendable>: Codable, Sendable {
    /// Always `list`.
    public var object: String
    /// The items of this page.
    public var data: [Item]
    /// Id of the first item, when the server sends it.
    public var firstID: String?
    /// Id of the last item, when the server sends it.
    public var lastID: String?
    /// Whether another page follows.
    public var hasMore: Bool

    /// Creates a page.
    public init(object: String = "list", data: [Item], firstID: String? = nil, lastID: String? = nil, hasMore: Bool) {
        self.object = object
        self.data = data
        self.firstID = firstID
        self.lastID = lastID
        self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey {
        case object, data
        case firstID = "first_id"
        case lastID = "last_id"
        case hasMore = "has_more"
    }
}
