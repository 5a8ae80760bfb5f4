import ArgumentParser

@main
struct MusicIndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "musicindex",
        abstract: "Index a music collection: tags, genres and similarity, stored in SQLite.",
        subcommands: [ScanCommand.self, StatsCommand.self, InfoCommand.self, FeaturesCommand.self, ModelCommand.self, GenresCommand.self, PlaylistCommand.self, PlaylistsCommand.self, SimilarCommand.self, RadioCommand.self, EvaluateSimilarCommand.self]
    )
}
