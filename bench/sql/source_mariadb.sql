-- bench/sql/source_mariadb.sql — the generated marketplace of the benchmarks, in
-- MariaDB: users and listings (≈ 420 bytes a row: ids, varchar, a text of a few hundred
-- bytes, decimal, enum, datetimes), plus two views for the memory measurement.
-- run_bench.sh replaces {USERS}, {LISTINGS}, {MEM_SMALL}, {MEM_LARGE} and {MEM_REPEAT}.
-- Every listing has a seller that exists: every contender must load every row.
SET SESSION sql_mode = 'STRICT_TRANS_TABLES';
SET @lorem = CONCAT(
	'Well kept and smoke-free home, collected from the seller or sent by parcel. ',
	'Barely used: the dog preferred the sofa. Original box, manual and receipt included. ',
	'Small scratch on the left side, see the photos. Fits medium and large breeds, ',
	'washable cover at 40 °C, non-slip bottom. Price is firm; no trades please. ',
	'Pick-up in the evenings or on weekends, otherwise shipping at the buyer''s cost. ',
	'Également disponible en gris. Ständig gereinigt, tierfreundlicher Haushalt. ',
	'Questions welcome, answers within a day. Bundle discount for two or more items. ');

CREATE TABLE users (
	id INT UNSIGNED NOT NULL PRIMARY KEY,
	email VARCHAR(190) NOT NULL,
	name VARCHAR(80) NULL,
	newsletter_consent TINYINT(1) NOT NULL DEFAULT 0,
	created_at DATETIME(6) NOT NULL,
	updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
	KEY (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE listings (
	id INT UNSIGNED NOT NULL PRIMARY KEY,
	user_id INT UNSIGNED NOT NULL,
	title VARCHAR(200) NOT NULL,
	description TEXT,
	price DECIMAL(10,2) NOT NULL,
	state ENUM('draft','live','sold','deleted') NOT NULL DEFAULT 'draft',
	created_at DATETIME(6) NOT NULL,
	updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
	KEY (user_id), KEY (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO users (id, email, name, newsletter_consent, created_at, updated_at)
SELECT seq, CONCAT('user', seq, '@market.example'),
	CASE WHEN seq % 97 = 0 THEN NULL
	     ELSE CONCAT(ELT(1 + seq % 6, 'Anna', 'Bjørn', 'Chloé', 'Dmitri', 'Eva', 'Fynn'), ' ', seq) END,
	seq % 4 <> 0,
	TIMESTAMP('2019-01-01') + INTERVAL (seq * 317) SECOND,
	TIMESTAMP('2024-01-01') + INTERVAL (seq * 97) SECOND
FROM seq_1_to_{USERS};

INSERT INTO listings (id, user_id, title, description, price, state, created_at, updated_at)
SELECT seq, 1 + (seq * 7919) % {USERS},
	CONCAT(ELT(1 + seq % 6, 'Orthopaedic dog bed', 'Cat tree with sisal posts', 'Aquarium 120 l with filter',
		'Bird cage, large', 'Leather leash 2 m', 'Rabbit hutch – weatherproof'), ', size ',
		ELT(1 + seq % 3, 'S', 'M', 'L'), ' #', seq),
	SUBSTRING(@lorem, 1 + (seq * 13) % 97, 200 + (seq * 7907) % 300),
	5 + ((seq * 37) % 50000) / 100,
	ELT(1 + seq % 4, 'draft', 'live', 'sold', 'deleted'),
	TIMESTAMP('2020-01-01') + INTERVAL (seq * 61) SECOND,
	TIMESTAMP('2024-01-01') + INTERVAL (seq * 19) SECOND
FROM seq_1_to_{LISTINGS};

-- Memory at two sizes: the same rows, {MEM_SMALL} and {MEM_LARGE} of them (the large one
-- repeats the table; ids repeat, which a scan does not mind). No LIMIT: MariaDB merges
-- these views into the query and streams them instead of materialising a temporary table.
CREATE VIEW listings_mem_small AS SELECT * FROM listings WHERE id <= {MEM_SMALL};
CREATE VIEW listings_mem_large AS
SELECT l.* FROM seq_1_to_{MEM_REPEAT} r STRAIGHT_JOIN listings l
WHERE r.seq < {MEM_REPEAT} OR l.id <= {MEM_LARGE} - ({MEM_REPEAT} - 1) * {LISTINGS};
