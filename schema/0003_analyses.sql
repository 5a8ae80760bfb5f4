-- musicindex library schema, migration 3: genre-model results.
-- Applied exactly as written by the program (see schema/README.md). Frozen once shipped.

-- Each genre model a scan has used, identified by its name and version.
CREATE TABLE models (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    labels        TEXT    NOT NULL CHECK (json_valid(labels)),    -- JSON array, output order
    metadata      TEXT    NOT NULL CHECK (json_valid(metadata)),  -- the model file's __metadata__
    added_at      TEXT    NOT NULL,
    UNIQUE (name, version)
);

-- One row per audio payload (tracks.audio_hash) and model: copies of a recording share it, a
-- tag edit or a move keeps it, a new model version adds its own rows. Vectors are
-- little-endian float32 arrays.
CREATE TABLE analyses (
    audio_hash    TEXT    NOT NULL,
    model_id      INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    top_label     TEXT    NOT NULL,
    top_probability REAL  NOT NULL CHECK (top_probability BETWEEN 0 AND 1),
    probabilities BLOB    NOT NULL,       -- [labels]: mean of the segments' probabilities
    segments      INTEGER NOT NULL CHECK (segments >= 1),
    timeline      BLOB    NOT NULL,       -- [segments, labels]: each segment's probabilities
    embedding     BLOB    NOT NULL,       -- [embedding size]: mean of the segments' embeddings
    analysed_at   TEXT    NOT NULL,
    PRIMARY KEY (audio_hash, model_id)
) WITHOUT ROWID;
CREATE INDEX analyses_model_label ON analyses (model_id, top_label);
