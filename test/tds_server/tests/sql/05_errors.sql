-- failing statements send ERROR tokens; the connection stays usable
select * from dbo.no_such_table
go
select 'after 208' as ok
go
select nosuchcolumn from dbo.nums
go
selec 1
go
select 1 from
go
select 'after syntax errors' as ok
go
-- a compile error ends the batch: the first select runs, the last does not
select 'first' as a
select * from dbo.missing
select 'never' as b
go
-- a run-time error ends only its statement
create table dbo.errs (id int not null primary key, v nvarchar(5) not null)
insert into dbo.errs values (1, N'one')
insert into dbo.errs values (1, N'dup')
select 'after duplicate key' as ok
go
insert into dbo.errs (id) values (2)
go
insert into dbo.errs values (3, N'too long')
go
select count(*) as rows_in_errs from dbo.errs
go
raiserror('custom %s %d', 16, 1, 'failure', 42)
go
raiserror('just information', 10, 1)
select 'after info' as ok
go
select cast('abc' as int)
go
select convert(int, N'123') + 1 as converted
go
print 'printed text'
go
