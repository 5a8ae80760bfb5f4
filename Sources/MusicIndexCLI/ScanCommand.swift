import ArgumentParser
import Foundation
import MusicIndex
import Synchronization

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Index the audio files under one or more folders.",
        discussion: """
            Walks the folders, recognises audio by content, reads tags with TagLib and stores \
            everything in the library. Unchanged files (same size and modification time) are not \
            opened again; files that disappeared are removed. Files that cannot be read are \
            recorded with the reason and never stop the scan. Music files are only ever read.
            """)

    @OptionGroup var library: LibraryOptions

    @Argument(help: ArgumentHelp("Folders (or files) to scan.", valueName: "folder"))
    var folders: [String]

    @Option(name: .shortAndLong, help: "Files to read in parallel (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Include hidden files and folders (names starting with a dot).")
    var includeHidden = false

    @Flag(help: "Read tags only; leave audio analysis alone.")
    var tagsOnly = false

    @Option(help: ArgumentHelp("Genre model file (.safetensors). Default: $MUSICINDEX_MODEL, else the shipped model.",
                               valueName: "path"))
    var model: String?

    @Flag(help: "Skip genre classification (engineered features only).")
    var noModel = false

    @Flag(help: "Analyse whole tracks instead of three windows at 25/50/75 % (slower).")
    var full = false

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Flag(help: "Time each stage (probe, tags, decode, resample, mel, features, CRNN, SQLite) and print where the time went.")
    var profile = false

    @Flag(name: .shortAndLong, help: "Do not show progress.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let options = ScanOptions(roots: folders, jobs: jobs, includeHidden: includeHidden, tagsOnly: tagsOnly, full: full,
                                  modelPath: noModel ? nil : DefaultModel.resolve(explicit: model), profile: profile)
        if !noModel && !tagsOnly && options.modelPath == nil {
            FileHandle.standardError.write(Data("""
                musicindex: no genre model found (none given with --model or MUSICINDEX_MODEL, and no \
                shipped model beside the executable); scanning without genre classification

                """.utf8))
        }
        for root in options.roots where !FileManager.default.fileExists(atPath: root) {
            throw CLIError("no such folder: \(root)")
        }
        // A bad model file stops the scan before a library is created or opened.
        if !tagsOnly, let path = options.modelPath {
            do { _ = try GenreModel.load(path: path) } catch { throw CLIError(String(describing: error)) }
        }
        let store = try library.open()
        let scanner: LibraryScanner
        do { scanner = try LibraryScanner(library: store, options: options) } catch { throw CLIError(String(describing: error)) }

        let interrupt = InterruptFlag.install()
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary: ScanSummary
        do {
            summary = try await scanner.run(isCancelled: { interrupt.isSet }, progress: { bar.update($0) })
        } catch {
            bar.finish()
            throw CLIError(String(describing: error))
        }
        bar.finish()
        if json {
            print(try SummaryJSON.render(summary, database: store.path))
        } else {
            SummaryText.print(summary, database: store.path)
        }
        if summary.interrupted {
            // Workers may still be finishing a file whose result was dropped: end the process
            // without running exit handlers and C++ static destructors under them. Everything
            // the scan kept is committed.
            fflush(nil)
            _exit(130)
        }
    }
}

/// Set by SIGINT/SIGTERM: the scan stops taking files, commits what is done and reports.
/// A second signal ends the process at once.
final class InterruptFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install() -> InterruptFlag {
        let interrupt = InterruptFlag()
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if interrupt.flag.exchange(true, ordering: .relaxed) { _exit(130) }
                FileHandle.standardError.write(Data("\nmusicindex: stopping; saving what is done (press Ctrl-C again to quit at once)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
        return interrupt
    }
}
