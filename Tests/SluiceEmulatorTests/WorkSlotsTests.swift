import Foundation
import Synchronization
import Testing

@testable import SluiceEmulator

/// `WorkSlots`: a batch already validated gets the next free slot before batches waiting to be validated.
@Suite struct WorkSlotsTests {
    /// Who got a slot, in order, across threads.
    final class Order: Sendable {
        let names = Mutex<[String]>([])
    }

    /// Starts a thread that takes a slot for `work`, records its name, and gives the slot back.
    static func waiter(_ name: String, _ work: WorkSlots.Work, _ slots: WorkSlots, _ order: Order) {
        Thread {
            guard slots.acquire(for: work, unless: nil) else { return }
            order.names.withLock { $0.append(name) }
            slots.release()
        }.start()
    }

    static func waitUntil(_ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while !condition() && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }

    @Test func answeringGoesBeforeValidatingWhenASlotFrees() {
        let slots = WorkSlots(count: 1)
        let order = Order()
        #expect(slots.acquire(for: .validating, unless: nil))
        // Both wait on the one slot; the validation asked first.
        Self.waiter("validate", .validating, slots, order)
        Thread.sleep(forTimeInterval: 0.1)
        Self.waiter("answer", .answering, slots, order)
        Thread.sleep(forTimeInterval: 0.1)
        #expect(order.names.withLock { $0 }.isEmpty)
        slots.release()
        Self.waitUntil { order.names.withLock { $0.count } == 2 }
        #expect(order.names.withLock { $0 } == ["answer", "validate"])
    }

    @Test func neverMoreHoldersThanSlots() {
        let slots = WorkSlots(count: 2)
        let order = Order()
        let holders = Order()  // "+" on taking a slot, "-" on giving it back
        for i in 0..<12 {
            Thread {
                guard slots.acquire(for: i % 3 == 0 ? .answering : .validating, unless: nil) else { return }
                holders.names.withLock { $0.append("+") }
                Thread.sleep(forTimeInterval: 0.01)
                holders.names.withLock { $0.append("-") }
                slots.release()
                order.names.withLock { $0.append("\(i)") }
            }.start()
        }
        Self.waitUntil { order.names.withLock { $0.count } == 12 }
        #expect(order.names.withLock { $0.count } == 12)
        let most = holders.names.withLock { $0 }.reduce(into: (now: 0, most: 0)) {
            $0.now += $1 == "+" ? 1 : -1
            $0.most = max($0.most, $0.now)
        }.most
        #expect(most == 2)
    }

    @Test func aStoppedWaiterGivesUpWithoutASlot() {
        let slots = WorkSlots(count: 1)
        #expect(slots.acquire(for: .answering, unless: nil))
        let signal = StopSignal()
        signal.cancel()
        #expect(!slots.acquire(for: .validating, unless: signal))
        slots.release()
        #expect(slots.acquire(for: .answering, unless: nil))
    }
}
