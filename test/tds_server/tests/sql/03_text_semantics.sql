-- SQL Server's default text comparison: case-insensitive, trailing spaces ignored
create table dbo.names (id int not null primary key, name nvarchar(30) not null, code varchar(10))
go
insert into dbo.names values (1, N'Alice', 'a'), (2, N'alice  ', 'A '), (3, N'Bob', 'b'),
  (4, N'Łukasz', 'l'), (5, N'ŁUKASZ', 'L'), (6, N'élan', 'e'), (7, N'elan', 'E'), (8, N'bob', 'B')
go
select id from dbo.names where name = 'ALICE' order by id
go
select id from dbo.names where name = N'łukasz   ' order by id
go
select id from dbo.names where name in ('BOB', 'Elan') order by id
go
select id from dbo.names where name < 'b' order by id
go
select name, count(*) as n from dbo.names group by name order by name
go
select count(distinct code) as distinct_codes from dbo.names
go
select id from dbo.names where name like 'ali%' order by id
go
select id from dbo.names where name like '[a-b]%' order by id
go
select id, name from dbo.names order by name, id
go
-- case variants collide in a unique key
create table dbo.uk (k varchar(10) not null primary key)
insert into dbo.uk values ('abc')
go
insert into dbo.uk values ('ABC ')
go
select count(*) as one_row from dbo.uk
go
