import Foundation
@testable import MusicIndex

/// Paths and helpers shared by the tests.
enum TestSupport {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsFolder.appendingPathComponent("Fixtures")
    static let tagFixtures = fixtures.appendingPathComponent("tags")
    static let packageRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

    /// A new empty folder under the system temporary folder.
    static func temporaryFolder(_ name: String = #function) throws -> String {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let path = NSTemporaryDirectory() + "musicindex-tests/\(safe)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A temporary folder holding a copy of the tag fixtures (audio only, no JSON).
    static func copyOfTagFixtures(_ name: String = #function) throws -> String {
        let folder = try temporaryFolder(name)
        for file in try FileManager.default.contentsOfDirectory(atPath: tagFixtures.path) where !file.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: tagFixtures.appendingPathComponent(file).path, toPath: folder + "/" + file)
        }
        return folder
    }

    /// mutagen's reading of each tag fixture (written by scripts/make-tag-fixtures.sh).
    static func mutagenAnswers() throws -> [String: [String: JSONValue]] {
        let data = try Data(contentsOf: tagFixtures.appendingPathComponent("mutagen.json"))
        return try JSONDecoder().decode([String: [String: JSONValue]].self, from: data)
    }

    /// A file's whole content, for before/after comparisons.
    static func checksum(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The content of every regular file under a folder, keyed by path.
    static func checksums(under folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let relative = enumerator?.nextObject() as? String {
            let path = folder + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = try checksum(path)
            }
        }
        return result
    }

    /// Sets a file's modification time (seconds since the epoch).
    static func setModificationTime(_ path: String, seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    static func scan(_ roots: [String], db: String, includeHidden: Bool = false,
                     lister: any DirectoryLister = SystemDirectoryLister()) async throws -> (Library, ScanSummary) {
        let library = try Library(path: db)
        let scanner = try LibraryScanner(library: library, options: ScanOptions(roots: roots, jobs: 2, includeHidden: includeHidden, lister: lister))
        return (library, try await scanner.run())
    }
}

/// A JSON value, for reading reference fixtures.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var int: Int? { if case .number(let value) = self { Int(value) } else { nil } }
    var double: Double? { if case .number(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var strings: [String]? { if case .array(let values) = self { values.compactMap(\.string) } else { nil } }
}
