-- demo/marketplace_mssql.sql — the same marketplace shape in SQL Server (here: the
-- project's TDS test server), generated with the same flaws as marketplace.sql.
-- run_demo.sh replaces DOMAIN before sending it with tsql.
CREATE TABLE dbo.users (
	id int NOT NULL PRIMARY KEY,
	email nvarchar(190) NOT NULL,
	name nvarchar(80) NULL,
	newsletter_consent bit NOT NULL,
	created_at datetime2(6) NOT NULL,
	updated_at datetimeoffset(6) NOT NULL
)
go
CREATE TABLE dbo.listings (
	id int NOT NULL PRIMARY KEY,
	user_id int NOT NULL,
	title nvarchar(200) NOT NULL,
	description nvarchar(max) NULL,
	price_cents int NOT NULL,
	state varchar(10) NOT NULL,
	created_at datetime2(6) NOT NULL,
	updated_at datetimeoffset(6) NOT NULL
)
go
CREATE TABLE dbo.photos (
	id int NOT NULL PRIMARY KEY,
	listing_id int NOT NULL,
	url nvarchar(300) NOT NULL,
	position tinyint NOT NULL
)
go
INSERT INTO dbo.users (id, email, name, newsletter_consent, created_at, updated_at)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)
SELECT n, 'user' || n || '@DOMAIN',
	IIF(n % 97 = 0, NULL, IIF(n % 6 = 0, 'Anna', IIF(n % 6 = 1, 'Bjørn', IIF(n % 6 = 2, 'Chloé', IIF(n % 6 = 3, 'Dmitri', IIF(n % 6 = 4, 'Eva', 'Fynn'))))) || ' ' || n),
	IIF(n % 4 <> 0, 1, 0),
	strftime('%Y-%m-%d %H:%M:%f', '2021-01-01', '+' || (n * 3917) || ' seconds'),
	strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || (n * 1931) || ' seconds') || ' +00:00'
FROM s
go
UPDATE dbo.users SET email = UPPER('user10@DOMAIN') WHERE id = 4321
go
INSERT INTO dbo.listings (id, user_id, title, description, price_cents, state, created_at, updated_at)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000)
SELECT n, 1 + (n * 7) % 5000,
	IIF(n % 5 = 0, 'Dog bed', IIF(n % 5 = 1, 'Cat tree', IIF(n % 5 = 2, 'Aquarium', IIF(n % 5 = 3, 'Bird cage', 'Leash')))) || ' #' || n,
	'Well kept, smoke-free home. ',
	IIF(n % 1000 = 0, -100, 500 + (n * 37) % 25000),
	IIF(n % 4 = 0, 'draft', IIF(n % 4 = 1, 'live', IIF(n % 4 = 2, 'sold', 'deleted'))),
	strftime('%Y-%m-%d %H:%M:%f', '2022-01-01', '+' || (n * 1511) || ' seconds'),
	strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || (n * 997) || ' seconds') || ' +00:00'
FROM s
go
UPDATE dbo.listings SET user_id = 999999 WHERE id = 777
go
INSERT INTO dbo.photos (id, listing_id, url, position)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 40000)
SELECT n, 1 + (n - 1) / 2, 'https://img.DOMAIN/p/' || n || '.jpg', 1 + (n - 1) % 2
FROM s
go
