// libFuzzer entry point of scripts/fuzz.sh: one binary for every target, chosen by
// $MUSICINDEX_FUZZ_TARGET (model-loader, probe, tags, mpg123, sndfile, ffmpeg, reader).
import Foundation

let fuzzTargets: [String: ([UInt8]) -> Void] = [
    "model-loader": fuzzModelLoader, "probe": fuzzProbe, "tags": fuzzTags,
    "mpg123": fuzzMPG123, "sndfile": fuzzSndFile, "ffmpeg": fuzzFFmpeg, "reader": fuzzReader,
]

let selectedTarget: ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["MUSICINDEX_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        fatalError("set MUSICINDEX_FUZZ_TARGET to one of \(fuzzTargets.keys.sorted())")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selectedTarget(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
