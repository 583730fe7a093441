import Foundation

/// What the progress displays need to know about a terminal.
enum Terminal {
    /// Whether `fd` is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The terminal's width in columns (TIOCGWINSZ), or 80 when `fd` is not one or does not say.
    static func columns(_ fd: Int32) -> Int {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Writes `text` to `fd` at once: unbuffered, so a redraw is never split by stdio buffering.
    static func write(_ text: String, to fd: Int32) {
        let handle = fd == STDOUT_FILENO ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(text.utf8))
    }

    static let clearLine = "\r\u{1B}[K"
    static let clearScreen = "\u{1B}[H\u{1B}[2J"
    static let hideCursor = "\u{1B}[?25l"
    static let showCursor = "\u{1B}[?25h"
}
