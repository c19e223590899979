-- TOP, OFFSET ... FETCH, and a 1000-row fixture made with WITH RECURSIVE
create table dbo.nums (n int not null primary key, sq bigint)
go
insert into dbo.nums (n, sq) with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000)
select x, x * x from c
go
select count(*) as n from dbo.nums
go
select top 3 n from dbo.nums order by n desc
go
select top (2) n, sq from dbo.nums where n > 10 order by n
go
select n from dbo.nums order by n offset 995 rows
go
select n from dbo.nums order by n offset 10 rows fetch next 3 rows only
go
select n from dbo.nums order by n offset 0 rows fetch first 1 row only
go
select (select top 1 n from dbo.nums order by n desc) as max_n
go
select [n] from [dbo].[nums] where [n] between 500 and 502 order by [n]
go
select distinct top 2 n % 3 as r from dbo.nums order by r
go
-- table hints and OPTION() are accepted and ignored
select count(*) as hinted from dbo.nums with (nolock) where n < 10 option (recompile)
go
select count(*) as legacy_hint from dbo.nums (nolock) where n < 10
go
