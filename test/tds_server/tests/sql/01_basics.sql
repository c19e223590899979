-- login response and session facts; N'' literals; non-ASCII text and emoji
select case when @@spid > 50 then 'yes' else 'no' end as spid_ok
go
select charindex('Microsoft SQL Server', @@version) as has_product_name
go
select db_name() as db, @@trancount as trancount, @@textsize as textsize
go
select N'Łódź' as city, N'😀 emoji' as emoji, len(N'Łódź') as chars, datalength(N'😀') as utf16_bytes
go
select 1 as a; select 2 as b
select 3 as c
go
use master
select db_name() as now_in
use tributary
select db_name() as back_in
go
use nosuchdb
go
select 'still connected' as status
go
