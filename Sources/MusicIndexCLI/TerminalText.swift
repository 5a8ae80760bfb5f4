/// Text for one line of human-readable output. Control characters (a newline in a file
/// name, an escape sequence in a tag) are shown as escapes, `\n` or `\u{1b}`, instead of
/// breaking the line or driving the terminal; tabs stay. JSON output needs none of this:
/// its encoder escapes them.
enum TerminalText {
    static func line(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where isControl(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\t" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
    }
}
