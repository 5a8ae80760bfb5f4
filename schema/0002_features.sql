-- musicindex library schema, migration 2: engineered audio features.
-- Applied exactly as written by the program (see schema/README.md). Frozen once shipped.

-- One row per distinct audio payload (tracks.audio_hash): copies of a recording share it, and
-- a tag edit or a move keeps it. Rows whose hash no track has any more are removed at the
-- end of each scan. Definitions and units: Sources/MusicIndex/Analysis/TrackFeatures.swift.
CREATE TABLE features (
    audio_hash         TEXT    PRIMARY KEY,
    front_end          TEXT    NOT NULL,              -- analysis parameters these were computed with
    full               INTEGER NOT NULL CHECK (full IN (0, 1)),  -- whole track (1) or windows (0)
    analysed_seconds   REAL    NOT NULL CHECK (analysed_seconds >= 0),
    tempo              REAL    CHECK (tempo > 0),     -- BPM
    beat_strength      REAL,
    onset_rate         REAL    NOT NULL,              -- onsets per second
    loudness           REAL,                          -- LUFS, integrated (BS.1770-4)
    loudness_range     REAL,                          -- LU (EBU Tech 3342)
    rms                REAL    NOT NULL,
    spectral_centroid  REAL    NOT NULL,              -- Hz
    spectral_bandwidth REAL    NOT NULL,              -- Hz
    spectral_rolloff   REAL    NOT NULL,              -- Hz
    spectral_flatness  REAL    NOT NULL,
    zero_crossing_rate REAL    NOT NULL,
    mfcc_mean          TEXT    NOT NULL CHECK (json_valid(mfcc_mean)),    -- JSON array of 13
    mfcc_std           TEXT    NOT NULL CHECK (json_valid(mfcc_std)),     -- JSON array of 13
    chroma_mean        TEXT    NOT NULL CHECK (json_valid(chroma_mean)),  -- JSON array of 12, C..B
    key                TEXT,                          -- C, C#, D, ... B
    mode               TEXT    CHECK (mode IN ('major', 'minor')),
    key_confidence     REAL,
    energy             REAL    CHECK (energy BETWEEN 0 AND 1),
    danceability       REAL    CHECK (danceability BETWEEN 0 AND 1),
    acousticness       REAL    CHECK (acousticness BETWEEN 0 AND 1),
    instrumentalness   REAL    CHECK (instrumentalness BETWEEN 0 AND 1),  -- scores: NULL for silence
    analysed_at        TEXT    NOT NULL               -- ISO 8601, UTC
) WITHOUT ROWID;
