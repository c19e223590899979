-- bench/sql/source_mssql.sql — the benchmark's listings table in SQL Server (here: the
-- project's TDS test server), the same shape as the MariaDB one (≈ 420 bytes of data a
-- row). run_bench.sh replaces {LISTINGS} and sends it with tsql. The INSERT … WITH
-- RECURSIVE … SELECT is passed through to the test server's SQLite (fast fixtures).
CREATE TABLE dbo.listings (
	id int NOT NULL PRIMARY KEY,
	user_id int NOT NULL,
	title nvarchar(200) NOT NULL,
	description nvarchar(max) NULL,
	price decimal(10,2) NOT NULL,
	state varchar(10) NOT NULL,
	created_at datetime2(6) NOT NULL,
	updated_at datetimeoffset(6) NOT NULL
)
go
INSERT INTO dbo.listings (id, user_id, title, description, price, state, created_at, updated_at)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {LISTINGS})
SELECT n, 1 + (n * 7919) % 300000,
	IIF(n % 6 = 0, 'Orthopaedic dog bed', IIF(n % 6 = 1, 'Cat tree with sisal posts', IIF(n % 6 = 2, 'Aquarium 120 l with filter',
		IIF(n % 6 = 3, 'Bird cage, large', IIF(n % 6 = 4, 'Leather leash 2 m', 'Rabbit hutch – weatherproof'))))) ||
		', size ' || IIF(n % 3 = 0, 'S', IIF(n % 3 = 1, 'M', 'L')) || ' #' || n,
	substr('Well kept and smoke-free home, collected from the seller or sent by parcel. '
		|| 'Barely used: the dog preferred the sofa. Original box, manual and receipt included. '
		|| 'Small scratch on the left side, see the photos. Fits medium and large breeds, '
		|| 'washable cover at 40 °C, non-slip bottom. Price is firm; no trades please. '
		|| 'Pick-up in the evenings or on weekends, otherwise shipping at the buyer''s cost. '
		|| 'Également disponible en gris. Ständig gereinigt, tierfreundlicher Haushalt. '
		|| 'Questions welcome, answers within a day. Bundle discount for two or more items. ',
		1 + (n * 13) % 97, 200 + (n * 7907) % 300),
	printf('%.2f', 5 + ((n * 37) % 50000) / 100.0),
	IIF(n % 4 = 0, 'draft', IIF(n % 4 = 1, 'live', IIF(n % 4 = 2, 'sold', 'deleted'))),
	strftime('%Y-%m-%d %H:%M:%f', '2020-01-01', '+' || (n * 61) || ' seconds'),
	strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || (n * 19) || ' seconds') || ' +00:00'
FROM s
go
