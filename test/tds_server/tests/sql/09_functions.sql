-- functions the translator maps to SQLite
select len('abc   ') as len_trailing, datalength('abc   ') as bytes, isnull(null, 'x') as isn, coalesce(null, null, 3) as co
go
select upper(N'straße') as up, lower('ABC') as low, left('abcdef', 2) as l, right(N'Łódź', 2) as r, substring('abcdef', 2, 3) as sub
go
select charindex('C', 'abcabc') as ci, charindex('c', 'abcabc', 4) as ci2, replace('a-b-c', '-', '+') as rep, reverse(N'Łódź') as rev
go
select dateadd(day, 1, '2024-02-28') as next_day, dateadd(month, 1, '2024-01-31') as next_month, datediff(day, '2024-01-01', '2024-03-01') as days
go
select datepart(year, '2024-05-06') as y, month('2024-05-06') as m, day('2024-05-06') as d, datepart(weekday, '2024-05-06') as dw
go
select case when getdate() is not null and sysutcdatetime() > '2020-01-01' then 'clock ok' end as clock
go
select cast(123.456 as decimal(10,2)) as dec2, cast(1 as bit) as b, cast('2024-05-06 07:08:09.1234567' as datetime2(3)) as dt2
go
select iif(1 > 2, 'yes', 'no') as iif_result, nullif(5, 5) as nullif_result, abs(-4) as a, round(2.5, 0) as rnd
go
select concat('a', null, 1, N'ö') as cat, replicate('ab', 3) as rep, space(3) + '|' as sp
go
select isnumeric('12.5') as n1, isnumeric('abc') as n2, len(newid()) as guid_len
go
