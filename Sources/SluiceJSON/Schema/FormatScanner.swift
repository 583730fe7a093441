/// A cursor over UTF-8 bytes with the small grammars behind `StringFormat`.
struct FormatScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { position == bytes.count }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func take(_ ascii: Unicode.Scalar) -> Bool {
        guard peek == UInt8(ascii: ascii) else { return false }
        position += 1
        return true
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    private static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

    /// Exactly `count` decimal digits as a number.
    private mutating func digits(_ count: Int) -> Int? {
        guard position + count <= bytes.count else { return nil }
        var value = 0
        for i in position..<position + count {
            guard Self.isDigit(bytes[i]) else { return nil }
            value = value * 10 + Int(bytes[i] - 0x30)
        }
        position += count
        return value
    }

    /// Skips decimal digits; returns how many.
    private mutating func digitRun() -> Int {
        let start = position
        while let b = peek, Self.isDigit(b) { position += 1 }
        return position - start
    }

    /// RFC 3339 full-date: `2024-02-29`, with the day checked against the month and leap years.
    mutating func date() -> Bool {
        guard let year = digits(4), take("-"), let month = digits(2), take("-"), let day = digits(2) else {
            return false
        }
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        switch month {
        case 2: return day <= (leap ? 29 : 28)
        case 4, 6, 9, 11: return day <= 30
        default: return day <= 31
        }
    }

    /// RFC 3339 time: `HH:MM:SS[.frac]` then `Z` or `±HH:MM`; the offset may be omitted for `time`, as
    /// common validators (ajv) allow, and is required inside `date-time`. Second 60 (leap second) is accepted.
    mutating func time(offsetRequired: Bool) -> Bool {
        guard let hour = digits(2), take(":"), let minute = digits(2), take(":"), let second = digits(2),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        if take("."), digitRun() == 0 { return false }
        if atEnd { return !offsetRequired }
        if take("Z") || take("z") { return true }
        guard take("+") || take("-"), let offsetHour = digits(2), take(":"), let offsetMinute = digits(2) else {
            return false
        }
        return offsetHour <= 23 && offsetMinute <= 59
    }

    /// RFC 3339 date-time: date, `T` (or `t` or a space, which RFC 3339 permits), time with offset.
    mutating func dateTime() -> Bool {
        guard date(), take("T") || take("t") || take(" ") else { return false }
        return time(offsetRequired: true)
    }

    /// ISO 8601 duration as in RFC 3339 appendix A: `P1Y2M10DT2H30M`, `PT20M`, `P3W`; designators in order,
    /// at least one component, and at least one after `T`.
    mutating func duration() -> Bool {
        guard take("P") else { return false }
        let dateUnits: [UInt8] = Array("YMWD".utf8)
        let timeUnits: [UInt8] = Array("HMS".utf8)
        var components = 0
        var next = 0
        while let b = peek, Self.isDigit(b) {
            _ = digitRun()
            guard let unit = peek, let index = dateUnits[next...].firstIndex(of: unit) else { return false }
            position += 1
            next = index + 1
            components += 1
            if next == dateUnits.count { break }
        }
        if take("T") {
            var timeComponents = 0
            next = 0
            while let b = peek, Self.isDigit(b) {
                _ = digitRun()
                guard let unit = peek, let index = timeUnits[next...].firstIndex(of: unit) else { return false }
                position += 1
                next = index + 1
                timeComponents += 1
                if next == timeUnits.count { break }
            }
            guard timeComponents > 0 else { return false }
            components += timeComponents
        }
        return components > 0
    }

    private static let atomSpecials = Set("!#$%&'*+/=?^_`{|}~-".utf8)

    /// `local@domain`: an ASCII dot-atom local part (at most 64 bytes) and a domain of at least two labels.
    mutating func email() -> Bool {
        let start = position
        var atomLength = 0
        while let b = peek, b != UInt8(ascii: "@") {
            if b == UInt8(ascii: ".") {
                guard atomLength > 0 else { return false }
                atomLength = 0
            } else {
                guard Self.isAlpha(b) || Self.isDigit(b) || Self.atomSpecials.contains(b) else { return false }
                atomLength += 1
            }
            position += 1
        }
        guard atomLength > 0, position - start <= 64, take("@") else { return false }
        let domainStart = position
        guard hostname() else { return false }
        let domain = bytes[domainStart..<position]
        return domain.contains(UInt8(ascii: "."))
    }

    /// RFC 1123 host name: dot-separated labels of 1–63 letters, digits and inner hyphens, 253 bytes at most.
    mutating func hostname() -> Bool {
        let start = position
        while true {
            let labelStart = position
            while let b = peek, Self.isAlpha(b) || Self.isDigit(b) || b == UInt8(ascii: "-") { position += 1 }
            let length = position - labelStart
            guard length >= 1, length <= 63, bytes[labelStart] != UInt8(ascii: "-"),
                bytes[position - 1] != UInt8(ascii: "-")
            else { return false }
            if !take(".") { break }
        }
        return position - start <= 253
    }

    /// Dotted-quad IPv4: four decimal octets 0–255 without leading zeros.
    mutating func ipv4() -> Bool {
        for octet in 0..<4 {
            if octet > 0, !take(".") { return false }
            let start = position
            let count = digitRun()
            guard count >= 1, count <= 3, count == 1 || bytes[start] != UInt8(ascii: "0") else { return false }
            var value = 0
            for i in start..<position { value = value * 10 + Int(bytes[i] - 0x30) }
            guard value <= 255 else { return false }
        }
        return true
    }

    /// RFC 4291 IPv6 text: eight hex groups, or fewer with one `::`, optionally ending in a dotted IPv4.
    mutating func ipv6() -> Bool {
        var groups = 0
        var compressed = false
        if take(":") {
            guard take(":") else { return false }
            compressed = true
            if atEnd { return true }
        }
        while true {
            let groupStart = position
            if ipv4(), atEnd {
                groups += 2
                break
            }
            position = groupStart
            while let b = peek, Self.isHex(b) { position += 1 }
            let length = position - groupStart
            guard length >= 1, length <= 4 else { return false }
            groups += 1
            if atEnd { break }
            guard take(":") else { return false }
            if take(":") {
                guard !compressed else { return false }
                compressed = true
                if atEnd { break }
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    /// RFC 4122 textual UUID: `8-4-4-4-12` hex digits, either case.
    mutating func uuid() -> Bool {
        guard bytes.count - position == 36 else { return false }
        for i in 0..<36 {
            let b = bytes[position + i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard Self.isHex(b) else { return false }
            }
        }
        position += 36
        return true
    }
}
