-- DDL and DML through TDS: identity, defaults, views, update/delete counts, transactions
create table [dbo].[people] ([id] int identity(1,1) not null, [name] nvarchar(50) not null, [age] tinyint null,
  [joined] date not null default '2020-01-01', constraint [pk_people] primary key clustered ([id] asc))
go
insert into dbo.people (name, age) values (N'Ann', 30), (N'Ben', 40)
insert into dbo.people (name, age, joined) select N'Cy' + N'!', 50, '2021-06-01'
go
select id, name, age, joined from dbo.people order by id
go
select scope_identity() as last_id, @@rowcount as rc
go
update dbo.people set age = age + 1 where age >= 40
select @@rowcount as updated
go
delete from dbo.people where name = N'ann'
select @@rowcount as deleted
go
create view dbo.adults as select id, upper(name) as uname, age from dbo.people where age >= 18
go
select * from dbo.adults order by id
go
begin tran
insert into dbo.people (name) values (N'Temp')
select count(*) as in_tran, @@trancount as trancount from dbo.people
rollback
select count(*) as after_rollback, @@trancount as trancount from dbo.people
go
begin transaction
update dbo.people set age = 99 where id = 2
commit transaction
select age as committed_age from dbo.people where id = 2
go
commit
go
set nocount on
set transaction isolation level read committed
set textsize 2147483647
set ansi_nulls on
set quoted_identifier, ansi_warnings on
set dateformat ymd
select @@textsize as textsize
go
set no_such_option on
go
declare @n int = 2, @label nvarchar(20)
set @label = N'person #' + cast(@n as nvarchar(10))
select @label as label, name from dbo.people where id = @n
if @n > 1 select 'big' as size else select 'small' as size
if exists (select 1 from dbo.people where age > 90)
begin
  print 'someone is old'
  select 'in block' as b
end
go
truncate table dbo.people
select count(*) as after_truncate from dbo.people
go
drop view dbo.adults
drop table dbo.people
drop table if exists dbo.people
go
drop table dbo.people
go
create table dbo.seeded (id int identity(100, 5) primary key, v int)
insert into dbo.seeded (v) values (1), (2)
insert into dbo.seeded (v) values (3)
select id, v from dbo.seeded order by id
go
create table dbo.keyed (id int primary key, v int)
insert into dbo.keyed (v) values (1)
go
