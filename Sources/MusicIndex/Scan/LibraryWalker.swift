#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file found by the walker, with what `stat` says about it.
public struct WalkedFile: Sendable, Equatable {
    public let path: String
    public let size: Int64
    /// Modification time in nanoseconds since the epoch.
    public let mtimeNanoseconds: Int64

    /// The lower-cased extension, "" when there is none.
    var fileExtension: String {
        let bytes = path.utf8
        // An ASCII path (the usual case) is searched byte by byte; others by Character, where
        // a "." followed by a combining mark is not a dot.
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            guard let slash = path.lastIndex(of: "/"), let dot = path[slash...].lastIndex(of: "."),
                  path.index(after: dot) < path.endIndex else { return "" }
            return path[path.index(after: dot)...].lowercased()
        }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), let dot = bytes[slash...].lastIndex(of: UInt8(ascii: ".")),
              bytes.index(after: dot) < bytes.endIndex else { return "" }
        let name = bytes[bytes.index(after: dot)...]
        if name.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) {
            return String(decoding: name, as: UTF8.self).lowercased()
        }
        return String(decoding: name, as: UTF8.self)
    }
}

/// Lists a folder's entry names. The walker's only view of the file system's folders, so
/// tests can stand in failures that root cannot produce with permissions.
public protocol DirectoryLister: Sendable {
    /// The names in `path`, without "." and "..", or an error text (e.g. "permission denied").
    func names(in path: String) -> Result<[String], DirectoryListingError>
}

public struct DirectoryListingError: Error, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
}

/// Lists folders with opendir/readdir.
public struct SystemDirectoryLister: DirectoryLister {
    public init() {}

    public func names(in path: String) -> Result<[String], DirectoryListingError> {
        guard let directory = opendir(path) else {
            return .failure(DirectoryListingError(message: String(cString: strerror(errno))))
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }
}

/// Walks folders recursively in sorted order. Symlinked folders are followed, but every
/// folder (by device and inode) is entered once, so links can never loop. Hidden entries
/// are skipped unless asked for; files whose extension says they are never audio (images,
/// text, playlists) are left out unopened; sockets, FIFOs and devices are ignored.
public struct LibraryWalker: Sendable {
    public struct Result: Sendable {
        /// Regular files, sorted by path.
        public var files: [WalkedFile] = []
        /// Folders that could not be listed, with the reason.
        public var unreadableFolders: [(path: String, reason: String)] = []
        /// The walk was stopped before it listed every folder: `files` is incomplete.
        public var cancelled = false
    }

    public var includeHidden: Bool
    public var lister: any DirectoryLister

    public init(includeHidden: Bool = false, lister: any DirectoryLister = SystemDirectoryLister()) {
        self.includeHidden = includeHidden
        self.lister = lister
    }

    /// Walks each root (a folder or a single file); a root that does not exist throws.
    /// `isCancelled` is asked before each folder is listed; once it is true the walk stops
    /// and the result says `cancelled`.
    public func walk(roots: [String], isCancelled: () -> Bool = { false }) throws(MusicIndexError) -> Result {
        var files: [WalkedFile] = []
        var result = try walk(roots: roots, isCancelled: isCancelled) { files.append($0) }
        files.sort { $0.path < $1.path }
        // A file reached through two roots is listed once.
        var seen = Set<String>()
        files.removeAll { !seen.insert($0.path).inserted }
        result.files = files
        return result
    }

    /// Throws for a root that does not exist (or is neither a folder nor a regular file).
    func validate(roots: [String]) throws(MusicIndexError) {
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0, isDirectory(info) || isRegular(info) else { throw .missingFolder(path: root) }
        }
    }

    /// Walks as `walk(roots:isCancelled:)` does, handing each file to `found` as soon as it is
    /// found, in walk order (each folder's entries sorted by name), rather than collecting
    /// them: `files` of the result is empty. A file reached through two roots is found twice.
    func walk(roots: [String], isCancelled: () -> Bool, found: (WalkedFile) -> Void) throws(MusicIndexError) -> Result {
        var result = Result()
        var visited = Set<FolderIdentity>()
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else { throw .missingFolder(path: root) }
            if isDirectory(info) {
                walkFolder(root, info: info, visited: &visited, into: &result, isCancelled: isCancelled, found: found)
            } else if isRegular(info) {
                found(file(root, info))
            } else {
                throw .missingFolder(path: root)
            }
        }
        return result
    }

    private func walkFolder(_ path: String, info: stat, visited: inout Set<FolderIdentity>, into result: inout Result,
                            isCancelled: () -> Bool, found: (WalkedFile) -> Void) {
        if result.cancelled || isCancelled() {
            result.cancelled = true
            return
        }
        guard visited.insert(FolderIdentity(info)).inserted else { return }
        let names: [String]
        switch lister.names(in: path) {
        case .success(let list): names = list.sorted()
        case .failure(let error):
            result.unreadableFolders.append((path, error.message))
            return
        }
        // Entries are looked up relative to the folder, not through their whole path again
        // (should the folder not open, through the path).
        let folder = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if folder >= 0 { close(folder) } }
        for name in names {
            if !includeHidden && name.hasPrefix(".") { continue }
            let child = path == "/" ? "/" + name : path + "/" + name
            var entry = stat()
            // stat follows symlinks: a link to a folder is walked, a dangling link is skipped.
            guard (folder >= 0 ? fstatat(folder, name, &entry, 0) : stat(child, &entry)) == 0 else { continue }
            if isDirectory(entry) {
                walkFolder(child, info: entry, visited: &visited, into: &result, isCancelled: isCancelled, found: found)
            } else if isRegular(entry) {
                let walked = file(child, entry)
                if ContentSniffer.nonAudioExtensions.contains(walked.fileExtension) { continue }
                found(walked)
            }
        }
    }

    private func file(_ path: String, _ info: stat) -> WalkedFile {
        WalkedFile(
            path: path, size: Int64(info.st_size),
            mtimeNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    private func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    private func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
}

private struct FolderIdentity: Hashable {
    let device: UInt64
    let inode: UInt64
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
