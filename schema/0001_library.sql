-- musicindex library schema, migration 1: the catalogue of files and their tags.
-- Applied exactly as written by the program (see schema/README.md). Frozen once shipped:
-- change the schema by adding a new numbered file.

-- Identifies the file as a musicindex library ('MSIX').
PRAGMA application_id = 1297303896;

-- One row per audio file found under a scanned folder.
CREATE TABLE tracks (
    id              INTEGER PRIMARY KEY,
    path            TEXT    NOT NULL UNIQUE,          -- absolute path as walked
    size            INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns        INTEGER NOT NULL,                 -- modification time, ns since the epoch
    audio_hash      TEXT    NOT NULL,                 -- hash of the audio payload, tags excluded
    format          TEXT    NOT NULL,                 -- container: mp3, flac, ogg, opus, mp4, wav, aiff, ...
    codec           TEXT,                             -- mp3, flac, vorbis, opus, aac, alac, pcm, ...
    duration        REAL,                             -- seconds
    bitrate         INTEGER,                          -- kbit/s
    sample_rate     INTEGER,                          -- Hz
    channels        INTEGER,
    bits_per_sample INTEGER,
    title           TEXT,
    artist          TEXT,
    album           TEXT,
    album_artist    TEXT,
    date            TEXT,                             -- as tagged: 2004, 2004-05-03, ...
    year            INTEGER,
    track_number    INTEGER,
    track_total     INTEGER,
    disc_number     INTEGER,
    disc_total      INTEGER,
    musicbrainz_recording_id TEXT,
    musicbrainz_track_id     TEXT,
    musicbrainz_release_id   TEXT,
    has_cover       INTEGER NOT NULL DEFAULT 0 CHECK (has_cover IN (0, 1)),
    -- Every tag property as TagLib's PropertyMap names it, as a JSON object of arrays:
    -- {"COMMENT": ["..."], "TITLE": ["..."]} (query with json_each).
    properties      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
    scanned_at      TEXT    NOT NULL                  -- ISO 8601, UTC
);
CREATE INDEX tracks_audio_hash ON tracks (audio_hash);
CREATE INDEX tracks_artist_title ON tracks (artist COLLATE NOCASE, title COLLATE NOCASE);

-- Genre tags, one row per value, in tag order (multi-valued tags keep every value).
CREATE TABLE track_genres (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    genre    TEXT    NOT NULL,
    PRIMARY KEY (track_id, position)
) WITHOUT ROWID;
CREATE INDEX track_genres_genre ON track_genres (genre COLLATE NOCASE);

-- Files that could not be indexed, with the stage that failed and a readable reason.
-- size and mtime let an unchanged failing file be skipped on the next scan.
CREATE TABLE failures (
    path     TEXT    PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    stage    TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    at       TEXT    NOT NULL
);

-- One row per scan run.
CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    roots       TEXT    NOT NULL,                     -- JSON array of the scanned folders
    status      TEXT    NOT NULL CHECK (status IN ('running', 'completed', 'interrupted')),
    new         INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0
);
