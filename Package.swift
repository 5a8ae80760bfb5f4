// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "musicindex",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MusicIndex", targets: ["MusicIndex"]),
        .executable(name: "musicindex", targets: ["MusicIndexCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // TagLib, found through pkg-config.
        .systemLibrary(
            name: "TagLibSystem",
            path: "Sources/TagLibSystem",
            pkgConfig: "taglib",
            providers: [.apt(["libtag1-dev"])]
        ),
        // TagLib's C++ PropertyMap and audio properties behind a small extern "C" interface.
        .target(
            name: "CTagLib",
            dependencies: ["TagLibSystem"],
            path: "Sources/CTagLib"
        ),
        // The audio front end's C libraries, each found through pkg-config and each imported
        // by exactly one Swift file of MusicIndex.
        .systemLibrary(name: "FFTWSystem", path: "Sources/FFTWSystem", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "MPG123System", path: "Sources/MPG123System", pkgConfig: "libmpg123",
                       providers: [.apt(["libmpg123-dev"])]),
        .systemLibrary(name: "SndFileSystem", path: "Sources/SndFileSystem", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "SoxrSystem", path: "Sources/SoxrSystem", pkgConfig: "soxr",
                       providers: [.apt(["libsoxr-dev"])]),
        // FFmpeg is loaded with dlopen on first use, not linked (see its header for why).
        .target(name: "CFFmpeg", path: "Sources/CFFmpeg", linkerSettings: [.linkedLibrary("dl")]),
        // OpenBLAS is loaded with dlopen on first use, not linked (see its header for why).
        .target(name: "COpenBLAS", path: "Sources/COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CPUCheck", path: "Sources/CPUCheck"),
        // Inner loops written with the C compiler's vector extensions (plain data in and out).
        .target(name: "CKernels", path: "Sources/CKernels"),
        // Turns the SQL migrations in schema/ into Swift source at build time, so that the
        // program applies exactly the files in schema/ and nothing else.
        .executableTarget(name: "SchemaEmbedder", path: "Sources/SchemaEmbedder"),
        .plugin(
            name: "EmbedSchema",
            capability: .buildTool(),
            dependencies: ["SchemaEmbedder"],
            path: "Plugins/EmbedSchema"
        ),
        .target(
            name: "MusicIndex",
            dependencies: [
                "CTagLib", "FFTWSystem", "MPG123System", "SndFileSystem", "SoxrSystem", "CFFmpeg", "COpenBLAS", "CKernels",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API under GRDB, for the scan's track inserts (Library+Scan.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Sources/MusicIndex",
            // The shipped default genre model (make model; training/REPORT.md).
            resources: [.copy("Resources/musicindex-genres.safetensors")],
            plugins: ["EmbedSchema"]
        ),
        .executableTarget(
            name: "MusicIndexCLI",
            dependencies: [
                "MusicIndex", "CPUCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/MusicIndexCLI"
        ),
        .testTarget(
            name: "MusicIndexTests",
            dependencies: ["MusicIndex", "CKernels", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/MusicIndexTests",
            exclude: ["Fixtures"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
