import Foundation

// Usage: SchemaEmbedder OUTPUT.swift MIGRATION.sql...
// Writes `SchemaMigration.all`: the migrations in version order, each with its version (the
// file name's leading number), its name and its SQL text, byte for byte.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// A Swift string literal for `text`, escaped so any content survives unchanged.
func literal(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let outputPath = arguments.first else { fail("usage: SchemaEmbedder OUTPUT.swift FILE.sql...") }

var entries: [String] = []
var seenVersions: Set<Int> = []
let inputs = arguments.dropFirst().sorted { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }
for path in inputs {
    let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let digits = name.prefix { $0.isNumber }
    guard let version = Int(digits), version > 0, name.dropFirst(digits.count).first == "_" else {
        fail("\(path): migration files are named NNNN_name.sql")
    }
    guard seenVersions.insert(version).inserted else { fail("\(path): duplicate migration version \(version)") }
    guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else { fail("\(path): not readable as UTF-8") }
    entries.append("        SchemaMigration(version: \(version), name: \(literal(name)), sql: \(literal(sql))),")
}

let source = """
    // Generated from schema/*.sql by the EmbedSchema plugin. Do not edit.

    extension SchemaMigration {
        /// Every migration in schema/, in version order.
        static let all: [SchemaMigration] = [
    \(entries.joined(separator: "\n"))
        ]
    }

    """
do {
    try source.write(toFile: outputPath, atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(outputPath): \(error)")
}
