-- every supported column type, a row of values and a row of NULLs
create table dbo.all_types (id int not null primary key, b bit, ti tinyint, si smallint, i int, bi bigint,
  dec decimal(38,10), num numeric(5,2), m money, sm smallmoney, r real, f float, d date, t time(3),
  dt datetime, sdt smalldatetime, dt2 datetime2(7), dto datetimeoffset(3), g uniqueidentifier,
  c char(5), vc varchar(20), nc nchar(5), nvc nvarchar(20), vcm varchar(max), nvcm nvarchar(max),
  tx text, ntx ntext, bn binary(4), vbn varbinary(8), vbm varbinary(max), img image, x xml,
  sv sql_variant)
go
insert into dbo.all_types values (1, 1, 255, -32768, -2147483648, 9223372036854775807,
  -1234567890123456789012345678.0123456789, 123.45, -922337203685477.5808, 214748.3647, 1.5, -2.25e100,
  '2024-02-29', '23:59:59.999', '1753-01-01 00:00:00.003', '2079-06-06 23:59', '9999-12-31 23:59:59.9999999',
  '2024-05-06 07:08:09.123 +05:30', 'a1b2c3d4-e5f6-4718-9a0b-1c2d3e4f5a6b',
  'ab', 'Zoë', N'Ł', N'Żółć 😀', 'long varchar', N'long ñvarchar', 'text', N'ntext ü', 0x0102, 0xDEADBEEF,
  0x00FF, 0xCAFE, N'<r a="1">ł</r>', N'variant')
insert into dbo.all_types (id) values (2)
go
select id, b, ti, si, i, bi from dbo.all_types order by id
go
select id, dec, num, m, sm, r, f from dbo.all_types order by id
go
select id, d, t, dt, sdt, dt2, dto from dbo.all_types order by id
go
select id, g, '[' + c + ']' as c, vc, '[' + nc + ']' as nc, nvc, vcm, nvcm from dbo.all_types order by id
go
select id, tx, ntx, bn, vbn, vbm, img, x, sv from dbo.all_types order by id
go
select convert(varchar(30), dt2) as dt2_text, convert(varchar(40), dto) as dto_text, cast(d as varchar(10)) as d_text
from dbo.all_types where id = 1
go
-- min/max keep the column type, count(*) is int, expressions by value
select min(dec) as min_dec, max(d) as max_d, count(*) as n, count_big(*) as nb, sum(i) as s from dbo.all_types
go
-- values that do not fit their type are refused
insert into dbo.all_types (id, ti) values (3, 256)
go
insert into dbo.all_types (id, vc) values (3, 'this is longer than twenty')
go
insert into dbo.all_types (id, d) values (3, 'not a date')
go
insert into dbo.all_types (id, i) values (3, 'abc')
go
insert into dbo.all_types (id, num) values (3, 1234.5)
go
insert into dbo.all_types (id, g) values (3, 'xyz')
go
select count(*) as still_two from dbo.all_types
go
