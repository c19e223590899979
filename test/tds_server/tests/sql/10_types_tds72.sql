-- a TDS 7.2 client gets date/time types as nvarchar and varchar as nvarchar
create table dbo.t72 (d date, t time(2), dt2 datetime2(4), dto datetimeoffset(0), vc varchar(10))
insert into dbo.t72 values ('2024-05-06', '07:08:09.126', '2024-05-06 07:08:09.12345', '2024-05-06 07:08:09 -03:00', 'Zoë')
go
select d, t, dt2, dto, vc from dbo.t72
go
