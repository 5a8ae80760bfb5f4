import Foundation

/// Where the library database lives: `--db`, else `$MUSICINDEX_DB`, else
/// `$XDG_DATA_HOME/musicindex/library.sqlite` (XDG_DATA_HOME defaults to ~/.local/share).
public enum LibraryLocation {
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return PathNormalizer.absolute(explicit) }
        if let fromEnvironment = environment["MUSICINDEX_DB"], !fromEnvironment.isEmpty {
            return PathNormalizer.absolute(fromEnvironment)
        }
        let dataHome: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            dataHome = xdg
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            dataHome = home + "/.local/share"
        }
        return PathNormalizer.absolute(dataHome + "/musicindex/library.sqlite")
    }
}

/// Lexical path clean-up: absolute, no "." or ".." components, no trailing or double slashes.
/// Symlinks are kept as written so paths stay the ones the user sees.
public enum PathNormalizer {
    public static func absolute(_ path: String, relativeTo base: String = FileManager.default.currentDirectoryPath) -> String {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/") {
            expanded = NSHomeDirectory() + expanded.dropFirst()
        }
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        var parts: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
