import Foundation

/// Reference labels (a genre per track) for measuring recommendations, read the way the
/// training pipeline reads a labelled corpus (`training/musicindex_training/dataset.py`):
///
/// - a folder in GTZAN layout: a track at `FOLDER/genre/.../file` is labelled `genre` (the
///   first folder below FOLDER); tracks elsewhere are unlabelled;
/// - a CSV of `path,genre` rows (an optional `path,genre` header; relative paths are relative
///   to the CSV's folder); tracks not listed are unlabelled.
///
/// Paths are matched as the library stores them: absolute and lexically normalised, symlinks
/// not resolved, so label the paths the library was scanned through.
public struct TrackLabels: Sendable, Equatable {
    /// Each labelled track's label, by track id.
    public var labels: [Int64: String]
    /// CSV paths that are no track of the library, in file order (always empty for a folder).
    public var missing: [String]

    public init(labels: [Int64: String], missing: [String] = []) {
        self.labels = labels
        self.missing = missing
    }

    /// The labels `source` (a GTZAN-layout folder or a `path,genre` CSV) gives `tracks`.
    ///
    /// Throws `.invalidArgument` when `source` does not exist, a CSV row is not `path,genre`,
    /// a path is listed twice, or no track gets a label.
    public static func load(from source: String, tracks: [Track]) throws(MusicIndexError) -> TrackLabels {
        let path = PathNormalizer.absolute(source)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .invalidArgument("--labels: no such folder or CSV file: \(source)")
        }
        let result = isFolder.boolValue ? fromFolder(path, tracks: tracks) : try fromCSV(path, tracks: tracks)
        guard !result.labels.isEmpty else {
            throw .invalidArgument("--labels: no track of the library is labelled by \(source) "
                                   + "(label the paths the library was scanned through)")
        }
        return result
    }

    /// GTZAN layout: the first folder below `root` names the genre.
    static func fromFolder(_ root: String, tracks: [Track]) -> TrackLabels {
        let prefix = root == "/" ? "/" : root + "/"
        var labels: [Int64: String] = [:]
        for track in tracks where track.path.hasPrefix(prefix) {
            let below = track.path.dropFirst(prefix.count).split(separator: "/")
            // A file directly in the root has no genre folder.
            if below.count >= 2 { labels[track.id] = String(below[0]) }
        }
        return TrackLabels(labels: labels)
    }

    /// `path,genre` rows; blank lines are skipped, cells are trimmed.
    static func fromCSV(_ file: String, tracks: [Track]) throws(MusicIndexError) -> TrackLabels {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw .invalidArgument("--labels: cannot read \(file): \(error.localizedDescription)")
        }
        let base = (file as NSString).deletingLastPathComponent
        let byPath = Dictionary(tracks.map { ($0.path, $0.id) }, uniquingKeysWith: { first, _ in first })
        var labels: [Int64: String] = [:]
        var missing: [String] = []
        var seen = Set<String>()
        var rows = text.split(whereSeparator: \.isNewline).map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }.filter { $0.contains { !$0.isEmpty } }
        if let header = rows.first, header.count >= 2, header[0].lowercased() == "path", header[1].lowercased() == "genre" {
            rows.removeFirst()
        }
        for (number, row) in rows.enumerated() {
            guard row.count >= 2, !row[0].isEmpty, !row[1].isEmpty else {
                throw .invalidArgument("--labels: \(file): row \(number + 1) is not `path,genre`: \(row.joined(separator: ","))")
            }
            let path = PathNormalizer.absolute(row[0], relativeTo: base)
            guard seen.insert(path).inserted else { throw .invalidArgument("--labels: \(file): \(row[0]) is listed twice") }
            if let id = byPath[path] { labels[id] = row[1] } else { missing.append(path) }
        }
        return TrackLabels(labels: labels, missing: missing)
    }
}
