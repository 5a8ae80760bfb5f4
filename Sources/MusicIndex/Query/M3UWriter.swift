import Foundation

/// Writes extended M3U playlists (the one writer in the project).
///
/// Format: UTF-8 text, `#EXTM3U` on the first line, then per entry `#EXTINF:<seconds>,<Artist>
/// - <Title>` and the track's path on the next line, lines ending in "\n". Seconds are whole
/// (rounded), -1 when unknown. A missing artist or title falls back to the file name without
/// extension. Paths are absolute, or relative to the playlist's own folder (`relativeTo`),
/// which is what players resolve them against. A path with a line break in it cannot be an
/// M3U line, so it is written as a percent-encoded `file://` URL instead (always absolute),
/// which players read as the same file.
public enum M3UWriter {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var duration: Double?
        public var artist: String?
        public var title: String?

        public init(path: String, duration: Double?, artist: String?, title: String?) {
            self.path = path
            self.duration = duration
            self.artist = artist
            self.title = title
        }
    }

    /// The playlist text. `relativeTo` is the folder the playlist will live in, or nil for
    /// absolute paths.
    public static func text(_ entries: [Entry], relativeTo folder: String? = nil) -> String {
        var out = "#EXTM3U\n"
        for entry in entries {
            let seconds = entry.duration.map { Int($0.rounded()) } ?? -1
            let name = clean(((entry.path as NSString).lastPathComponent as NSString).deletingPathExtension) ?? "-"
            let label: String
            switch (clean(entry.artist), clean(entry.title)) {
            case let (artist?, title?): label = "\(artist) - \(title)"
            case let (nil, title?): label = title
            case let (artist?, nil): label = "\(artist) - \(name)"
            case (nil, nil): label = name
            }
            out += "#EXTINF:\(seconds),\(label)\n"
            out += location(of: entry.path, relativeTo: folder) + "\n"
        }
        return out
    }

    /// Writes the playlist to `path` atomically, paths relative to its folder when asked.
    public static func write(_ entries: [Entry], to path: String, relative: Bool) throws {
        let absolute = PathNormalizer.absolute(path)
        let folder = (absolute as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text(entries, relativeTo: relative ? folder : nil).utf8).write(to: URL(fileURLWithPath: absolute), options: .atomic)
    }

    /// The entry line for `path`: the path itself (relative to `folder` when given), or a
    /// `file://` URL when the path holds a line break.
    static func location(of path: String, relativeTo folder: String?) -> String {
        if path.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return URL(fileURLWithPath: path).absoluteString
        }
        return folder.map { relativePath(from: $0, to: path) } ?? path
    }

    /// `target` relative to the folder `base` (both absolute): "../b/c.mp3".
    static func relativePath(from base: String, to target: String) -> String {
        let from = base.split(separator: "/").map(String.init)
        let to = target.split(separator: "/").map(String.init)
        var common = 0
        while common < min(from.count, to.count - 1) && from[common] == to[common] { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + to[common...]).joined(separator: "/")
    }

    /// Line breaks would break the format; they become spaces.
    private static func clean(_ text: String?) -> String? {
        guard let text else { return nil }
        let single = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ").trimmingSpaces
        return single.isEmpty ? nil : single
    }
}
