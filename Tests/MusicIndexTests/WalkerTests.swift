import Foundation
import Testing
@testable import MusicIndex

@Suite struct WalkerTests {
    func makeTree() throws -> String {
        let root = try TestSupport.temporaryFolder()
        let mp3 = TestSupport.tagFixtures.appendingPathComponent("id3v23.mp3").path
        for sub in ["A/B", ".hidden", "C"] {
            try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: mp3, toPath: root + "/A/B/one.mp3")
        try FileManager.default.copyItem(atPath: mp3, toPath: root + "/.hidden/two.mp3")
        try FileManager.default.copyItem(atPath: mp3, toPath: root + "/C/.three.mp3")
        try FileManager.default.copyItem(atPath: mp3, toPath: root + "/C/four.mp3")
        try Data([0xFF, 0xD8, 0xFF]).write(to: URL(fileURLWithPath: root + "/C/cover.jpg"))
        // A loop back to the root, and a second way into A.
        try FileManager.default.createSymbolicLink(atPath: root + "/A/B/loop", withDestinationPath: root)
        try FileManager.default.createSymbolicLink(atPath: root + "/C/link-to-A", withDestinationPath: root + "/A")
        try FileManager.default.createSymbolicLink(atPath: root + "/C/dangling.mp3", withDestinationPath: root + "/nowhere.mp3")
        return root
    }

    @Test func walkIsSortedSkipsHiddenAndNeverLoops() throws {
        let root = try makeTree()
        let result = try LibraryWalker().walk(roots: [root])
        #expect(result.files.map { String($0.path.dropFirst(root.count)) } == ["/A/B/one.mp3", "/C/four.mp3"])
        #expect(result.unreadableFolders.isEmpty)
    }

    @Test func includeHiddenFindsHiddenEntries() throws {
        let root = try makeTree()
        let result = try LibraryWalker(includeHidden: true).walk(roots: [root])
        #expect(result.files.map { String($0.path.dropFirst(root.count)) } == ["/.hidden/two.mp3", "/A/B/one.mp3", "/C/.three.mp3", "/C/four.mp3"])
    }

    @Test func symlinkedFolderIsFollowedOnce() throws {
        let root = try TestSupport.temporaryFolder()
        let real = try TestSupport.temporaryFolder("real")
        try FileManager.default.copyItem(atPath: TestSupport.tagFixtures.appendingPathComponent("id3v1.mp3").path, toPath: real + "/song.mp3")
        try FileManager.default.createSymbolicLink(atPath: root + "/linked", withDestinationPath: real)
        let result = try LibraryWalker().walk(roots: [root])
        #expect(result.files.map(\.path) == [root + "/linked/song.mp3"])
    }

    struct FailingLister: DirectoryLister {
        let failing: String
        func names(in path: String) -> Result<[String], DirectoryListingError> {
            path.hasSuffix(failing) ? .failure(DirectoryListingError(message: "Permission denied")) : SystemDirectoryLister().names(in: path)
        }
    }

    @Test func unreadableFolderIsAWarningAndItsTracksAreKept() async throws {
        let root = try makeTree()
        let db = root + ".sqlite"
        let (library, first) = try await TestSupport.scan([root], db: db)
        #expect(first.new == 2)
        let (_, second) = try await TestSupport.scan([root], db: db, lister: FailingLister(failing: "/A/B"))
        #expect(second.warnings == ["cannot read folder \(root)/A/B: Permission denied"])
        #expect(second.removed == 0)
        #expect(try library.track(path: root + "/A/B/one.mp3") != nil)
    }

    @Test func missingRootIsAnError() {
        #expect(throws: MusicIndexError.missingFolder(path: "/no/such/folder")) {
            _ = try LibraryWalker().walk(roots: ["/no/such/folder"])
        }
    }

    @Test func pathsAreNormalisedLexically() {
        #expect(PathNormalizer.absolute("a/./b/../c/", relativeTo: "/music") == "/music/a/c")
        #expect(PathNormalizer.absolute("/x//y/") == "/x/y")
        #expect(PathNormalizer.absolute("/..") == "/")
    }
}

@Suite struct FileExtensionTests {
    @Test func extensionsAreLowerCasedAndTakenFromTheNameOnly() {
        let cases: [(String, String)] = [
            ("/music/a.mp3", "mp3"), ("/music/A.FLAC", "flac"), ("/music/b.Ogg", "ogg"), ("/music/none", ""),
            ("/music.d/none", ""), ("/music/dot.", ""), ("/music/.m4a", "m4a"), ("/music/a.tar.GZ", "gz"),
            ("/müsic/Ä.MP3", "mp3"), ("/music/é.ÉTÉ", "été"), ("/music/a.\u{301}x", ""), ("relative.mp3", ""),
        ]
        for (path, expected) in cases {
            #expect(WalkedFile(path: path, size: 0, mtimeNanoseconds: 0).fileExtension == expected, "\(path)")
        }
    }
}
