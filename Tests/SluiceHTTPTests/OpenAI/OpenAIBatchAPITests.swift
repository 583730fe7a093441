import Foundation
import SluiceHTTP
import Testing

#if canImport(OpenAIWire)
import OpenAIWire
#else
import SluiceProviders
#endif

@Suite("OpenAIBatchAPI against a stub server")
struct OpenAIBatchAPITests {
    func api(
        _ server: TestServer,
        key: String = OpenAIStubRoutes.apiKey,
        clock: RecordingClock = RecordingClock(),
        retry: RetryPolicy = RetryPolicy()
    ) -> OpenAIBatchAPI {
        OpenAIBatchAPI(baseURL: "\(server.baseURL)/v1/", apiKey: key, client: HTTPClient(), retry: retry, clock: clock)
    }

    @Test("uploadFile streams a multipart body with purpose, filename and the exact bytes")
    func upload() async throws {
        try await withTemporaryFolder { folder in
            let path = "\(folder)/chunk.jsonl"
            try PatternData.writeFile(path, totalBytes: 2 * PatternData.blockSize + 5)
            let expected = try Checksum.ofFile(path)
            try await withTestServer(.openAIStub) { server in
                let file = try await api(server).uploadFile(
                    path: path,
                    purpose: "batch",
                    filename: "tickets-0001.jsonl"
                )
                #expect(file.id == "file-up1")
                #expect(file.bytes == expected.count)
                #expect(file.filename == "tickets-0001.jsonl")
                #expect(file.purpose == "batch")
                #expect(
                    server.probe.recorded("upload") == ["batch tickets-0001.jsonl \(expected.value) \(expected.count)"]
                )
            }
        }
    }

    @Test("createBatch sends the documented JSON body and decodes the batch")
    func create() async throws {
        try await withTestServer(.openAIStub) { server in
            let batch = try await api(server).createBatch(
                inputFileID: "file-in",
                endpoint: "/v1/chat/completions",
                metadata: ["sluice_chunk": "c-1"]
            )
            #expect(batch.id == "batch_new")
            #expect(batch.status == .validating)
            #expect(batch.requestCounts == OpenAIBatchRequestCounts(total: 0, completed: 0, failed: 0))
            #expect(
                server.probe.recorded("create") == [
                    #"{"completion_window":"24h","endpoint":"/v1/chat/completions","input_file_id":"file-in","#
                        + #""metadata":{"sluice_chunk":"c-1"}}"#
                ]
            )
        }
    }

    @Test("retrieveBatch reads the reference example, \"\" error_file_id as nil")
    func retrieve() async throws {
        try await withTestServer(.openAIStub) { server in
            let batch = try await api(server).retrieveBatch(id: "batch_done")
            #expect(batch.status == .completed)
            #expect(batch.outputFileID == "file-cvaTdG")
            #expect(batch.errorFileID == nil)
            #expect(batch.usage?.totalTokens == 2000)
        }
    }

    @Test("allBatches pages with after = last item id until has_more is false")
    func pagination() async throws {
        try await withTestServer(.openAIStub) { server in
            var ids: [String] = []
            for try await batch in api(server).allBatches(pageSize: 2) { ids.append(batch.id) }
            #expect(ids == ["batch_5", "batch_4", "batch_3", "batch_2", "batch_1"])
            #expect(
                server.probe.recorded("list") == ["after= limit=2", "after=batch_4 limit=2", "after=batch_2 limit=2"]
            )
        }
    }

    @Test("allBatches(since:) yields newer batches and stops paging at the first older one")
    func paginationSince() async throws {
        try await withTestServer(.openAIStub) { server in
            var ids: [String] = []
            for try await batch in api(server).allBatches(since: 300, pageSize: 2) { ids.append(batch.id) }
            #expect(ids == ["batch_5", "batch_4", "batch_3"])
            #expect(server.probe.recorded("list") == ["after= limit=2", "after=batch_4 limit=2"])
            let page = try await api(server).listBatches(after: "batch_3", limit: 10)
            #expect(page.data.map(\.id) == ["batch_2", "batch_1"])
            #expect(page.hasMore == false)
            #expect(page.lastID == nil)
        }
    }

    @Test("Error statuses map to stable codes with the envelope and x-request-id")
    func errorMapping() async throws {
        try await withTestServer(.openAIStub) { server in
            let api = api(server, retry: RetryPolicy(maxAttempts: 2))
            let missing = await #expect(throws: OpenAIAPIError.self) { try await api.retrieveBatch(id: "batch_nope") }
            #expect(missing?.code == .notFound)
            #expect(missing?.status == 404)
            #expect(missing?.requestID == "req_404")
            #expect(missing?.detail?.message == "No batch found with id 'batch_nope'.")
            #expect(missing?.detail?.type == "invalid_request_error")
            #expect(missing?.isTransient == false)

            let conflict = await #expect(throws: OpenAIAPIError.self) { try await api.cancelBatch(id: "batch_done") }
            #expect(conflict?.code == .conflict)
            #expect(conflict?.detail?.message == "Cannot cancel a batch with status 'completed'.")

            let invalid = await #expect(throws: OpenAIAPIError.self) {
                try await api.createBatch(inputFileID: "file-in", endpoint: "/v1/invalid/endpoint")
            }
            #expect(invalid?.code == .badRequest)
            #expect(invalid?.detail?.param == "endpoint")
            #expect(invalid?.detail?.code == "invalid_value")

            for (status, code) in [
                (403, OpenAIAPIError.Code.permission), (422, .unprocessable), (418, .unexpectedStatus),
            ] {
                let error = await #expect(throws: OpenAIAPIError.self) {
                    try await api.retrieveBatch(id: "status_\(status)")
                }
                #expect(error?.code == code)
                #expect(error?.status == status)
                #expect(server.probe.hits("status_\(status)") == 1)
            }

            let server500 = await #expect(throws: OpenAIAPIError.self) { try await api.retrieveBatch(id: "status_500") }
            #expect(server500?.code == .server)
            #expect(server500?.isTransient == true)
            #expect(server.probe.hits("status_500") == 2)

            let odd = await #expect(throws: OpenAIAPIError.self) { try await api.retrieveBatch(id: "batch_odd_code") }
            #expect(odd?.detail?.code == "400")
        }
    }

    @Test("A wrong key is openai.authentication, and the key never shows in the error")
    func authentication() async throws {
        try await withTestServer(.openAIStub) { server in
            let api = api(server, key: "sk-wrong-key")
            let error = await #expect(throws: OpenAIAPIError.self) { try await api.retrieveBatch(id: "batch_done") }
            #expect(error?.code == .authentication)
            #expect(error?.status == 401)
            #expect(error?.detail?.code == "invalid_api_key")
            #expect(!"\(String(describing: error))".contains("sk-wrong-key"))
            #expect(!api.description.contains("sk-wrong-key"))
        }
    }

    @Test("429 is retried after Retry-After; a 200 with the wrong shape is openai.decode")
    func retryAndDecode() async throws {
        try await withTestServer(.openAIStub) { server in
            let clock = RecordingClock()
            let batch = try await api(server, clock: clock).retrieveBatch(id: "batch_flaky")
            #expect(batch.status == .inProgress)
            #expect(clock.sleeps == [.seconds(1)])
            #expect(server.probe.hits("batch_flaky") == 2)

            let garbage = await #expect(throws: OpenAIAPIError.self) {
                try await api(server).retrieveBatch(id: "batch_garbage")
            }
            #expect(garbage?.code == .decode)
            #expect(garbage?.requestID == "req_garbage")
        }
    }

    @Test("File metadata, content download to disk, and deletion")
    func files() async throws {
        try await withTemporaryFolder { folder in
            try await withTestServer(.openAIStub) { server in
                let api = api(server)
                let file = try await api.retrieveFile(id: "file-out")
                #expect(file.purpose == "batch_output")
                let path = "\(folder)/out.jsonl"
                let bytes = try await api.downloadFileContent(id: "file-out", to: path)
                #expect(bytes == 12)
                #expect(try String(contentsOfFile: path, encoding: .utf8) == "line1\nline2\n")
                #expect(server.probe.recorded("content-accept") == ["application/binary"])
                let missing = await #expect(throws: OpenAIAPIError.self) {
                    try await api.downloadFileContent(id: "file-gone", to: "\(folder)/gone.jsonl")
                }
                #expect(missing?.code == .notFound)
                #expect(missing?.detail?.message == "No such File object")
                let deletion = try await api.deleteFile(id: "file-out")
                #expect(deletion == OpenAIFileDeletion(id: "file-out", deleted: true))
            }
        }
    }

    @Test("No server: openai.transport wrapping the HTTP error")
    func transport() async throws {
        let api = OpenAIBatchAPI(
            baseURL: "http://127.0.0.1:1/v1",
            apiKey: "k",
            client: HTTPClient(),
            retry: .never,
            clock: RecordingClock()
        )
        let error = await #expect(throws: OpenAIAPIError.self) { try await api.retrieveBatch(id: "b") }
        #expect(error?.code == .transport)
        #expect(error?.transport?.code == .connect)
        #expect(error?.isTransient == true)
    }
}
