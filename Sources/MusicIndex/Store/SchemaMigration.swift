/// One migration of the library schema, compiled in from `schema/NNNN_name.sql` by the
/// EmbedSchema build plugin (`SchemaMigration.all`).
public struct SchemaMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// The newest schema version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// musicindex's SQLite application_id ('MSIX'), set by the first migration.
    public static let applicationID: Int32 = 0x4D53_4958
}
