import Foundation
import Testing
@testable import MusicIndex

/// The model loader's strict JSON reader.
@Suite("Model header JSON")
struct ModelJSONTests {
    static func parse(_ text: String) throws -> StrictJSON { try StrictJSON.parse(text) }

    static func failure(_ text: String) -> StrictJSON.ParseError? {
        do { _ = try StrictJSON.parse(text); return nil } catch { return error }
    }

    @Test("values, nesting and member order")
    func values() throws {
        let json = try Self.parse(" {\"b\": [1, -2.5e3, true, false, null], \"a\": {\"x\": \"y\"}} ")
        #expect(json.members?.map(\.key) == ["b", "a"])
        #expect(json["b"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(json["a"]?["x"]?.stringValue == "y")
        #expect(try Self.parse("[]") == .array([]))
        #expect(try Self.parse("{}") == .object([]))
    }

    @Test("integers are told from floats, booleans and out-of-range numbers")
    func integers() throws {
        #expect(try Self.parse("42").intValue == 42)
        #expect(try Self.parse("-0").intValue == 0)
        #expect(try Self.parse("9223372036854775807").intValue == Int.max)
        #expect(try Self.parse("9223372036854775808").intValue == nil)
        #expect(try Self.parse("3.0").intValue == nil)
        #expect(try Self.parse("1e2").intValue == nil)
        #expect(try Self.parse("1e2").doubleValue == 100)
        #expect(try Self.parse("true").intValue == nil)
    }

    @Test("string escapes, surrogate pairs and UTF-8")
    func strings() throws {
        #expect(try Self.parse(#""a\"b\\c\/d\n\t\u00e9\ud83c\udfb5""#).stringValue == "a\"b\\c/d\n\té🎵")
        #expect(try Self.parse("\"Motörhead\"").stringValue == "Motörhead")
        #expect(Self.failure(#""\ud83c""#) != nil)
        #expect(Self.failure(#""\udfb5""#) != nil)
        #expect(Self.failure("\"tab\there\"") != nil)
        #expect(Self.failure(#""\x""#) != nil)
        #expect(throws: StrictJSON.ParseError.self) { try StrictJSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("malformed JSON is refused with the byte offset", arguments: [
        ("", 0), ("{", 1), ("[1,]", 3), ("[1 2]", 3), ("{\"a\" 1}", 5), ("{a: 1}", 1), ("01", 1), ("1.", 2), ("-", 1),
        ("tru", 3), ("[1] x", 4), ("{\"a\": 1, \"a\": 2}", 9), ("\"open", 5), ("nul", 3),
    ])
    func malformed(text: String, offset: Int) {
        #expect(Self.failure(text)?.offset == offset, "\(text): \(String(describing: Self.failure(text)))")
    }

    @Test("nesting is limited, so hostile input cannot exhaust the stack")
    func depth() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try Self.parse(deep)
        let tooDeep = String(repeating: "[", count: 100_000)
        #expect(Self.failure(tooDeep)?.reason == "nesting deeper than 64")
    }
}
