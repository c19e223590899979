-- demo/marketplace.sql — one sample marketplace in MariaDB (users, listings, photos),
-- generated with a few realistic flaws. Loaded twice by run_demo.sh, as market_a and
-- market_b (@seed and @users vary per marketplace).
SET SESSION sql_mode = 'STRICT_TRANS_TABLES';
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
	price_cents INT NOT NULL,
	state ENUM('draft','live','sold','deleted') NOT NULL DEFAULT 'draft',
	created_at DATETIME(6) NOT NULL,
	updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
	KEY (user_id), KEY (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE photos (
	id INT UNSIGNED NOT NULL PRIMARY KEY,
	listing_id INT UNSIGNED NOT NULL,
	url VARCHAR(300) NOT NULL,
	position TINYINT UNSIGNED NOT NULL,
	KEY (listing_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO users (id, email, name, newsletter_consent, created_at, updated_at)
SELECT seq, CONCAT('user', seq, '@', @domain),
	CASE WHEN seq % 97 = 0 THEN NULL ELSE CONCAT(ELT(1 + seq % 6, 'Anna', 'Bjørn', 'Chloé', 'Dmitri', 'Eva', 'Fynn'), ' ', seq) END,
	seq % 4 <> 0,
	TIMESTAMP('2021-01-01') + INTERVAL (seq * 3917) SECOND,
	TIMESTAMP('2024-01-01') + INTERVAL (seq * 1931) SECOND
FROM seq_1_to_5000;
-- dirty data: the same person signed up twice with different letter case
UPDATE users SET email = UPPER(CONCAT('user', 10, '@', @domain)) WHERE id = 4321;

INSERT INTO listings (id, user_id, title, description, price_cents, state, created_at, updated_at)
SELECT seq, 1 + (seq * 7) % 5000,
	CONCAT(ELT(1 + seq % 5, 'Dog bed', 'Cat tree', 'Aquarium', 'Bird cage', 'Leash'), ' #', seq),
	REPEAT('Well kept, smoke-free home. ', 1 + seq % 12),
	CASE WHEN seq % 1000 = 0 THEN -100 ELSE 500 + (seq * 37) % 25000 END,
	ELT(1 + seq % 4, 'draft', 'live', 'sold', 'deleted'),
	TIMESTAMP('2022-01-01') + INTERVAL (seq * 1511) SECOND,
	TIMESTAMP('2024-01-01') + INTERVAL (seq * 997) SECOND
FROM seq_1_to_20000;
-- an orphan: its seller was deleted long ago
UPDATE listings SET user_id = 999999 WHERE id = 777;

INSERT INTO photos (id, listing_id, url, position)
SELECT seq, 1 + (seq - 1) DIV 2, CONCAT('https://img.', @domain, '/p/', seq, '.jpg'), 1 + (seq - 1) % 2
FROM seq_1_to_40000;
