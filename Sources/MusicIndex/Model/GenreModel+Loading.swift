import Foundation

extension GenreModel {
    /// Loads the model file at `path` for a command, failing with a message that says what is
    /// wrong with it: missing, unreadable, or not a usable model (and why).
    public static func load(path: String) throws(MusicIndexError) -> GenreModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidArgument("model file \(path) does not exist; name another with --model or MUSICINDEX_MODEL, or scan with --no-model")
        }
        do {
            return try GenreModel(path: path)
        } catch .unreadable(_, let reason) {
            throw .invalidArgument("cannot read the model file \(path): \(reason)")
        } catch {
            throw .invalidArgument("model file \(path) is not a usable musicindex model: \(error)")
        }
    }
}
