-- KILL refuses the own session and unknown SPIDs (dropping another session is tested by the db-lib client)
declare @me int = @@spid
select 'ready' as state
go
kill 32000
go
select 'after kill of unknown spid' as state
go
