/// A strict JSON (RFC 8259) reader for the model file's header and its JSON-valued metadata.
///
/// Why not `JSONSerialization`: the loader must tell an integer from a float and from `true`
/// (NSNumber bridging blurs them), must refuse duplicate keys (which one would win?), and
/// must never recurse without bound on hostile input. This reader keeps numbers as their
/// source text, objects as ordered key/value pairs, and stops at `maximumDepth` levels.
///
/// Self-contained (Swift standard library only) so that `scripts/fuzz.sh` can
/// compile it with the rest of the loader.
enum StrictJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number, as written (RFC 8259 syntax already checked).
    case number(String)
    case string(String)
    case array([StrictJSON])
    /// Members in file order; keys are unique.
    case object([(key: String, value: StrictJSON)])

    /// Deepest nesting of arrays and objects accepted.
    static let maximumDepth = 64

    /// Parses one JSON text that fills all of `bytes` (surrounding whitespace allowed).
    /// Throws `StrictJSON.ParseError` with the byte offset of the problem.
    static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> StrictJSON {
        var reader = Reader(bytes: Array(bytes))
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == reader.bytes.count else {
            throw ParseError(offset: reader.position, reason: "unexpected data after the JSON value")
        }
        return value
    }

    /// Parses JSON text held in a string (a metadata value).
    static func parse(_ text: String) throws(ParseError) -> StrictJSON {
        try parse(Array(text.utf8))
    }

    /// A syntax error: the byte offset and what was wrong there.
    struct ParseError: Error, Equatable, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    static func == (lhs: StrictJSON, rhs: StrictJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    // MARK: Typed access

    /// The members of an object, nil for any other value.
    var members: [(key: String, value: StrictJSON)]? { if case .object(let members) = self { members } else { nil } }
    /// The elements of an array, nil for any other value.
    var elements: [StrictJSON]? { if case .array(let elements) = self { elements } else { nil } }
    /// The string, nil for any other value.
    var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The value of an integer written without fraction or exponent that fits in `Int`;
    /// nil for anything else (`3.0`, `1e2`, `true`, out-of-range integers).
    var intValue: Int? {
        guard case .number(let text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Int(text)
    }
    /// The value of any number as a Double (may be infinite when the literal overflows).
    var doubleValue: Double? { if case .number(let text) = self { Double(text) } else { nil } }
    /// The member named `key` of an object.
    subscript(key: String) -> StrictJSON? { members?.first { $0.key == key }?.value }
    /// A short name of the value's kind, for error messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: Reader

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ reason: String) -> ParseError { ParseError(offset: position, reason: reason) }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        mutating func expect(_ literal: String, _ value: StrictJSON) throws(ParseError) -> StrictJSON {
            for byte in literal.utf8 {
                guard current == byte else { throw fail("invalid literal (expected \(literal))") }
                position += 1
            }
            return value
        }

        mutating func value(depth: Int) throws(ParseError) -> StrictJSON {
            guard let byte = current else { throw fail("unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character 0x\(String(byte, radix: 16))")
            }
        }

        mutating func object(depth: Int) throws(ParseError) -> StrictJSON {
            guard depth <= StrictJSON.maximumDepth else { throw fail("nesting deeper than \(StrictJSON.maximumDepth)") }
            position += 1  // {
            var members: [(key: String, value: StrictJSON)] = []
            var keys = Set<String>()
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let keyOffset = position
                let key = try string()
                guard keys.insert(key).inserted else {
                    throw ParseError(offset: keyOffset, reason: "duplicate key \"\(key)\"")
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                skipWhitespace()
                members.append((key, try value(depth: depth)))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(members)
                default: throw fail("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> StrictJSON {
            guard depth <= StrictJSON.maximumDepth else { throw fail("nesting deeper than \(StrictJSON.maximumDepth)") }
            position += 1  // [
            var elements: [StrictJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(elements)
                default: throw fail("expected ',' or ']'")
                }
            }
        }

        /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() throws(ParseError) -> StrictJSON {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, isDigit(first) else { throw fail("expected a digit") }
            position += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if current == UInt8(ascii: ".") {
                position += 1
                guard let byte = current, isDigit(byte) else { throw fail("expected a digit after '.'") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let byte = current, isDigit(byte) else { throw fail("expected a digit in the exponent") }
                skipDigits()
            }
            return .number(String(decoding: bytes[start..<position], as: UTF8.self))
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while let byte = current, isDigit(byte) { position += 1 }
        }

        /// A string literal; the bytes must be valid UTF-8, escapes are decoded (surrogate
        /// pairs joined, lone surrogates refused).
        mutating func string() throws(ParseError) -> String {
            position += 1  // opening quote
            var scalars = String.UnicodeScalarView()
            var runStart = position
            func flushRun(_ end: Int) throws(ParseError) {
                guard runStart < end else { return }
                guard let run = validatedUTF8(bytes[runStart..<end]) else {
                    throw ParseError(offset: runStart, reason: "invalid UTF-8 in a string")
                }
                scalars.append(contentsOf: run.unicodeScalars)
            }
            while true {
                guard let byte = current else { throw fail("unterminated string") }
                if byte == UInt8(ascii: "\"") {
                    try flushRun(position)
                    position += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw fail("control character in a string") }
                if byte == UInt8(ascii: "\\") {
                    try flushRun(position)
                    position += 1
                    scalars.append(try escape())
                    runStart = position
                } else {
                    position += 1
                }
            }
        }

        /// The escape after a backslash.
        mutating func escape() throws(ParseError) -> Unicode.Scalar {
            guard let byte = current else { throw fail("unterminated escape") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let unit = try hex4()
                if (0xD800..<0xDC00).contains(unit) {
                    guard current == UInt8(ascii: "\\") else { throw fail("lone high surrogate") }
                    position += 1
                    guard current == UInt8(ascii: "u") else { throw fail("lone high surrogate") }
                    position += 1
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate") }
                    let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    guard let scalar = Unicode.Scalar(value) else { throw fail("invalid surrogate pair") }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(unit) else { throw fail("lone low surrogate") }
                return scalar
            default:
                throw fail("invalid escape")
            }
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current else { throw fail("unterminated \\u escape") }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("invalid hex digit in \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }
    }
}

extension StrictJSON: CustomStringConvertible {
    /// Compact JSON text of the value (for messages).
    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let text): text
        case .string(let value): "\"\(value)\""
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

/// The bytes as a String when they are valid UTF-8 (no replacement characters), else nil.
func validatedUTF8(_ bytes: some Collection<UInt8>) -> String? {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    var scalars = String.UnicodeScalarView()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar): scalars.append(scalar)
        case .emptyInput: return String(scalars)
        case .error: return nil
        }
    }
}
