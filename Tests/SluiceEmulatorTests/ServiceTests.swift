import Foundation
import Logging
import ServiceLifecycle
import SluiceJSON
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import SluiceEmulator

@Suite("Emulator as a service")
struct ServiceTests {
    @Test("run() listens on an ephemeral port, serves HTTP, and stops on graceful shutdown", .timeLimit(.minutes(1)))
    func listensAndStops() async throws {
        try await withTemporaryDirectory { dir in
            var logger = Logger(label: "emulator-test")
            logger.logLevel = .warning
            let emulator = Emulator(configuration: EmulatorConfiguration(stateDirectory: dir, port: 0), logger: logger)
            let group = ServiceGroup(configuration: .init(services: [emulator], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let port = try await emulator.waitUntilListening()
                #expect(port > 0 && port != 8089)
                #expect(try await emulator.waitUntilListening() == port)
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/batches/batch_x")!)
                request.setValue("Bearer test", forHTTPHeaderField: "Authorization")
                let (data, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 404)
                #expect(
                    try JSONParser.parse(Array(data))["error"]?["message"] == "No batch found with id 'batch_x'.")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    @Test("waitUntilListening() fails when the port cannot be bound", .timeLimit(.minutes(1)))
    func bindFailure() async throws {
        try await withTemporaryDirectory { dir in
            var logger = Logger(label: "emulator-test")
            logger.logLevel = .critical
            let first = Emulator(configuration: EmulatorConfiguration(stateDirectory: dir + "/a", port: 0), logger: logger)
            let group = ServiceGroup(configuration: .init(services: [first], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let port = try await first.waitUntilListening()
                let second = Emulator(configuration: EmulatorConfiguration(stateDirectory: dir + "/b", port: port), logger: logger)
                async let running: Void = second.run()
                await #expect(throws: (any Error).self) { _ = try await second.waitUntilListening() }
                _ = try? await running
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
