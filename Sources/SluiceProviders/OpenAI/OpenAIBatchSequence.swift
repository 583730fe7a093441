import Foundation

/// All batches of an account as an async sequence, fetched one page at a time.
public struct OpenAIBatchSequence: AsyncSequence, Sendable {
    /// One batch.
    public typealias Element = OpenAIBatch
    /// Listing fails with the API's error.
    public typealias Failure = OpenAIAPIError

    let api: OpenAIBatchAPI
    let since: Int64?
    let after: String?
    let pageSize: Int

    /// Starts paging.
    public func makeAsyncIterator() -> Iterator {
        Iterator(api: api, since: since, cursor: after, pageSize: pageSize)
    }

    /// Walks the pages; requests the next page only when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol, Sendable {
        let api: OpenAIBatchAPI
        let since: Int64?
        var cursor: String?
        let pageSize: Int
        var page: [OpenAIBatch] = []
        var index = 0
        var lastPage = false
        /// Whether every batch seen so far came in non-increasing `created_at` order.
        var newestFirst = true
        var previousCreatedAt: Int64?

        init(api: OpenAIBatchAPI, since: Int64?, cursor: String?, pageSize: Int) {
            self.api = api
            self.since = since
            self.cursor = cursor
            self.pageSize = pageSize
        }

        /// The next batch, or nil after the last page.
        public mutating func next() async throws(OpenAIAPIError) -> OpenAIBatch? {
            while true {
                if index < page.count {
                    let batch = page[index]
                    index += 1
                    if let previous = previousCreatedAt, batch.createdAt > previous { newestFirst = false }
                    previousCreatedAt = batch.createdAt
                    guard let since, batch.createdAt < since else { return batch }
                    if newestFirst {
                        // Everything after this one is older still: stop without fetching more pages.
                        page = []
                        lastPage = true
                        return nil
                    }
                    continue
                }
                if lastPage { return nil }
                let list = try await api.listBatches(after: cursor, limit: pageSize)
                page = list.data
                index = 0
                // The SDK's rule: the cursor is the last item's id (not `last_id`); stop on has_more false.
                if list.hasMore, let last = list.data.last {
                    cursor = last.id
                } else {
                    lastPage = true
                }
            }
        }

        /// The next batch, or nil after the last page.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(OpenAIAPIError) -> OpenAIBatch? {
            try await next()
        }
    }
}
