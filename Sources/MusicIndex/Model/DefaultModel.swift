import Foundation

/// Where the genre model comes from when the user names none.
///
/// Order: an explicit path, else `$MUSICINDEX_MODEL`, else the default model shipped with
/// the package (`Sources/MusicIndex/Resources/musicindex-genres.safetensors`, trained by
/// `make model`). SwiftPM copies the package's resources beside the executable, into
/// `musicindex_MusicIndex.resources/`; an installed copy may also live in
/// `../share/musicindex/` relative to the executable's folder.
public enum DefaultModel {
    /// The shipped model's file name.
    public static let fileName = "musicindex-genres.safetensors"

    /// The model file to use, or nil when there is none at all.
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["MUSICINDEX_MODEL"], !fromEnvironment.isEmpty { return fromEnvironment }
        return shippedModelPath
    }

    /// The shipped model's path, when it can be found.
    public static var shippedModelPath: String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let folder = executable.deletingLastPathComponent()
        let candidates = [
            folder.appendingPathComponent("musicindex_MusicIndex.resources").appendingPathComponent(fileName),
            folder.deletingLastPathComponent().appendingPathComponent("share/musicindex").appendingPathComponent(fileName),
        ]
        return candidates.map(\.path).first { FileManager.default.fileExists(atPath: $0) }
    }
}
