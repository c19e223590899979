-- the catalog queries tds_fdw's IMPORT FOREIGN SCHEMA and estimates send
create schema sales
go
create table sales.orders (order_id bigint not null identity(1,1) primary key, customer nvarchar(100) not null,
  total decimal(12,2) default 0, note varchar(max), created datetime2(3) default sysutcdatetime(), ver rowversion)
go
create view sales.big_orders as select order_id, customer, total from sales.orders where total > 100
go
create index ix_orders_customer on sales.orders (customer)
go
create index ix_orders_customer on sales.orders (total)
go
create table sales.orders (id int)
go
create table nosuchschema.t (id int)
go
insert into sales.orders (customer, total) values (N'Ann', 50), (N'Ben', 150.5), (N'Cy', 250)
go
SELECT schema_name FROM INFORMATION_SCHEMA.SCHEMATA WHERE schema_name = 'sales'
go
SELECT t.table_name, c.column_name, c.data_type, c.column_default, c.is_nullable, c.character_maximum_length, c.numeric_precision, c.numeric_precision_radix, c.numeric_scale, c.datetime_precision FROM INFORMATION_SCHEMA.TABLES t LEFT JOIN INFORMATION_SCHEMA.COLUMNS c ON t.table_schema = c.table_schema AND t.table_name = c.table_name WHERE t.table_type IN ('BASE TABLE','VIEW') AND t.table_schema = 'sales' ORDER BY t.table_name, c.ordinal_position
go
select table_schema, table_name, table_type from information_schema.tables where table_schema = 'sales' order by table_name
go
select constraint_type, column_name from information_schema.table_constraints tc join information_schema.key_column_usage k on k.constraint_name = tc.constraint_name where tc.table_name = 'orders'
go
select s.name as schema_name, t.name as table_name, p.rows
from sys.tables t join sys.schemas s on s.schema_id = t.schema_id
join sys.partitions p on p.object_id = t.object_id and p.index_id in (0, 1)
where s.name = 'sales'
go
select sum(ps.row_count) as row_count from sys.dm_db_partition_stats ps where ps.object_id = object_id('sales.orders') and ps.index_id < 2
go
select c.name, ty.name as type_name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity
from sys.columns c join sys.types ty on ty.user_type_id = c.user_type_id
where c.object_id = object_id('sales.orders') order by c.column_id
go
select i.name, i.type_desc, i.is_unique, i.is_primary_key from sys.indexes i where i.object_id = object_id('sales.orders') order by i.index_id
go
select name, snapshot_isolation_state_desc from sys.databases where name = db_name()
go
select object_id('sales.orders') - object_id('[sales].[orders]') as same_id, object_id('sales.nothing') as missing
go
select order_id, customer, total from sales.big_orders order by order_id
go
select count(*) as versions_distinct from (select distinct ver from sales.orders) v
go
drop view sales.big_orders
drop table sales.orders
go
select count(*) as left_in_sales from information_schema.tables where table_schema = 'sales'
go
