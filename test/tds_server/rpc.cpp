/*
 * rpc.cpp — RPC requests (packet type 0x03): sp_executesql, sp_prepare, sp_execute,
 * sp_prepexec and sp_unprepare, by name or by ProcID (10, 11, 12, 13, 15). Parameters are
 * bound as real SQLite parameters named as declared; each call answers like SQL Server:
 * results with DONEINPROC, RETURNSTATUS, RETURNVALUE per output parameter, DONEPROC
 * (tds-notes §9). Several calls in one request are separated by 0x80/0xFF.
 *
 * Zone: test server.
 */
#include "test/tds_server/params.hpp"
#include "test/tds_server/session.hpp"
#include "test/tds_server/sqlite_util.hpp"

namespace tributary::tds_server
{

namespace
{

std::string
proc_name_of_id(std::uint16_t id)
{
	switch (id) {
	case 10:
		return "sp_executesql";
	case 11:
		return "sp_prepare";
	case 12:
		return "sp_execute";
	case 13:
		return "sp_prepexec";
	case 15:
		return "sp_unprepare";
	default:
		return "procid " + std::to_string(id);
	}
}

/* "master.dbo.sp_executesql", "sys.sp_executesql" -> "sp_executesql" */
std::string
base_proc_name(const std::string &name)
{
	const std::size_t dot = name.rfind('.');
	std::string base = dot == std::string::npos ? name : name.substr(dot + 1);
	if (!base.empty() && base.front() == '[' && base.back() == ']') {
		base = base.substr(1, base.size() - 2);
	}
	return to_lower_ascii(base);
}

std::string
text_of(const RpcParam &p)
{
	return p.value.kind == Value::Kind::null ? std::string() : p.value.s;
}

std::int32_t
handle_of(const RpcParam &p)
{
	if (p.value.kind != Value::Kind::integer) {
		throw SqlError(8179, 16,
		               "Could not find prepared statement with handle " +
		                   (p.value.kind == Value::Kind::null ? std::string("(null)") : p.value.s) +
		                   ".");
	}
	return static_cast<std::int32_t>(p.value.i);
}

} // namespace

/* One RPC call of a request: its parameters and the OUTPUT values to return. */
struct RpcCall {
	std::string name;
	std::vector<RpcParam> params;
	std::vector<Variable> args;
	std::vector<Variable> outputs;
	std::vector<std::uint16_t> ordinals;
};

void
Session::on_rpc(const Message &m)
{
	ByteReader r(m.payload.data(), m.payload.size());
	if (m_wire.tds_version >= 0x72000000 && r.remaining() >= 4) {
		const std::uint32_t total = r.u32();
		if (total < 4 || total > m.payload.size()) {
			throw ProtocolError("bad ALL_HEADERS length");
		}
		r.seek(total);
	}
	m_ch.begin();
	m_pending.set = false;
	try {
		bool more = true;
		while (more && !r.at_end()) {
			run_rpc_call(r, more);
		}
	} catch (const Cancelled &) {
		m_in_proc = false;
		ack_attention();
		return;
	}
	finish_response();
}

void
Session::run_rpc_call(ByteReader &r, bool &more)
{
	RpcCall call;
	const std::uint16_t len = r.u16();
	call.name = len == 0xFFFF ? proc_name_of_id(r.u16()) : r.utf16(len);
	r.u16(); /* option flags */
	more = false;
	try {
		while (!r.at_end()) {
			const std::uint8_t b = r.peek();
			if (b == 0x80 || b == 0xFF || b == 0xFE) {
				r.u8();
				more = true;
				break;
			}
			call.params.push_back(read_rpc_param(r, m_wire));
		}
	} catch (const SqlError &e) {
		/* an unsupported parameter type: the rest of the request cannot be read */
		more = false;
		send_message(e.message());
		set_pending_done(token::doneproc, done_status::error, curcmd::procedure, 0);
		return;
	}
	const std::string proc = base_proc_name(call.name);
	log("rpc " + proc + " (" + std::to_string(call.params.size()) + " parameters)");
	for (const RpcParam &p : call.params) {
		Variable v;
		v.name = p.name;
		v.type = p.wire_type;
		v.typed = true;
		v.output = p.output;
		v.value = p.value;
		call.args.push_back(std::move(v));
	}
	m_in_proc = true;
	m_proc_error = false;
	try {
		if (proc == "sp_executesql") {
			rpc_executesql(call);
		} else if (proc == "sp_prepare" || proc == "sp_prepexec") {
			rpc_prepare(call, proc == "sp_prepexec");
		} else if (proc == "sp_execute") {
			rpc_execute(call);
		} else if (proc == "sp_unprepare") {
			require_params(call, 1);
			if (m_prepared.erase(handle_of(call.params[0])) == 0) {
				throw SqlError(8179, 16,
				               "Could not find prepared statement with handle " +
				                   std::to_string(call.params[0].value.i) + ".");
			}
		} else {
			throw SqlError(2812, 16, "Could not find stored procedure '" + call.name + "'.");
		}
	} catch (const SqlError &e) {
		send_message(e.message());
		m_proc_error = true;
	} catch (const SqliteError &e) {
		send_message(SqlError(50000, 16, std::string("SQLite: ") + e.what()).message());
		m_proc_error = true;
	} catch (const std::logic_error &e) {
		send_message(
		    SqlError(50000, 16,
		             std::string("The TDS test server could not run this call: ") + e.what())
		        .message());
		m_proc_error = true;
	}
	m_in_proc = false;
	finish_rpc_call(call);
}

void
Session::require_params(const RpcCall &call, std::size_t n)
{
	if (call.params.size() < n) {
		throw SqlError(201, 16,
		               "Procedure or function '" + base_proc_name(call.name) +
		                   "' expects parameter which was not supplied.");
	}
}

void
Session::collect_outputs(RpcCall &call, const std::vector<Variable> &values,
                         std::size_t first_ordinal)
{
	for (std::size_t k = 0; k < values.size(); k++) {
		if (values[k].output) {
			call.outputs.push_back(values[k]);
			call.ordinals.push_back(static_cast<std::uint16_t>(k + first_ordinal));
		}
	}
}

void
Session::rpc_executesql(RpcCall &call)
{
	require_params(call, 1);
	const std::string sql = text_of(call.params[0]);
	std::vector<ParamDecl> decls;
	const std::size_t first = call.params.size() >= 2 ? 2 : 1;
	if (first == 2) {
		decls = parse_param_decls(text_of(call.params[1]));
	}
	std::vector<Variable> values(call.args.begin() + static_cast<std::ptrdiff_t>(first),
	                             call.args.end());
	Scope scope;
	exec_with_params(sql, decls, values, scope);
	collect_outputs(call, values, first);
}

void
Session::rpc_prepare(RpcCall &call, bool execute)
{
	require_params(call, 3);
	PreparedStatement ps;
	ps.params = parse_param_decls(text_of(call.params[1]));
	ps.sql = text_of(call.params[2]);
	/* compile now so errors surface at prepare time, as on SQL Server */
	for (Statement &st : split_statements(lex(ps.sql))) {
		if (!st.empty() && (st[0].is_kw("SELECT") || st[0].is_kw("INSERT") ||
		                    st[0].is_kw("UPDATE") || st[0].is_kw("DELETE"))) {
			m_catalog.refresh();
			prepare(translate_statement(st, translate_context(), nullptr), curcmd::select);
		}
	}
	const std::int32_t handle = m_next_handle++;
	m_prepared[handle] = ps;
	Variable h = call.args[0];
	h.type = SqlType{TypeId::int4, 0, 0, 0};
	h.value = Value::integer(handle);
	call.outputs.push_back(h);
	call.ordinals.push_back(0);
	if (execute) {
		std::vector<Variable> values(call.args.begin() + 3, call.args.end());
		Scope scope;
		exec_with_params(ps.sql, ps.params, values, scope);
		collect_outputs(call, values, 3);
	}
}

void
Session::rpc_execute(RpcCall &call)
{
	require_params(call, 1);
	const auto it = m_prepared.find(handle_of(call.params[0]));
	if (it == m_prepared.end()) {
		throw SqlError(8179, 16,
		               "Could not find prepared statement with handle " +
		                   std::to_string(call.params[0].value.i) + ".");
	}
	const PreparedStatement ps = it->second;
	std::vector<Variable> values(call.args.begin() + 1, call.args.end());
	Scope scope;
	exec_with_params(ps.sql, ps.params, values, scope);
	collect_outputs(call, values, 1);
}

void
Session::finish_rpc_call(const RpcCall &call)
{
	if (!m_proc_error) {
		before_output();
		write_returnstatus(m_ch, 0);
		for (std::size_t k = 0; k < call.outputs.size(); k++) {
			ByteBuffer b;
			b.put_u8(token::returnvalue);
			b.put_u16(call.ordinals[k]);
			b.put_b_varchar(call.outputs[k].name);
			b.put_u8(0x01); /* status: output parameter */
			b.put_u32(0);   /* user type */
			b.put_u16(0x0009);
			encode_return_value(b, call.outputs[k]);
			m_ch.put(b);
		}
	}
	set_pending_done(token::doneproc, m_proc_error ? done_status::error : done_status::final,
	                 curcmd::procedure, 0);
}

void
Session::exec_with_params(const std::string &sql, const std::vector<ParamDecl> &decls,
                          std::vector<Variable> &args, Scope &scope)
{
	std::vector<bool> supplied(decls.size(), false);
	std::size_t position = 0;
	for (Variable &a : args) {
		std::size_t idx = decls.size();
		if (!a.name.empty()) {
			for (std::size_t k = 0; k < decls.size(); k++) {
				if (decls[k].name == to_lower_ascii(a.name)) {
					idx = k;
				}
			}
			if (idx == decls.size()) {
				throw SqlError(8145, 16,
				               a.name + " is not a parameter for procedure sp_executesql.");
			}
		} else {
			idx = position++;
			if (idx >= decls.size()) {
				throw SqlError(8144, 16,
				               "Procedure or function sp_executesql has too many arguments "
				               "specified.");
			}
		}
		const ParamDecl &d = decls[idx];
		supplied[idx] = true;
		Variable v;
		v.name = a.name.empty() ? d.name : a.name;
		v.type = d.type;
		v.typed = true;
		v.output = d.output && a.output;
		bool need_cast = false;
		v.value = convert_special(a.value, a.type, d.type, need_cast);
		if (need_cast) {
			Scope tmp;
			Variable raw = a;
			tmp["@v"] = raw;
			v.value = eval_scalar("tds_cast(@v, " + quote_literal(format_type(d.type)) + ")", tmp);
		}
		scope[d.name] = v;
		a.name = v.name;
		a.type = d.type;
	}
	for (std::size_t k = 0; k < decls.size(); k++) {
		if (!supplied[k]) {
			if (!decls[k].output) {
				throw SqlError(8178, 16,
				               "The parameterized query '(" + decls[k].name + ")" +
				                   "' expects the parameter '" + decls[k].name +
				                   "', which was not supplied.");
			}
			Variable v;
			v.name = decls[k].name;
			v.type = decls[k].type;
			v.typed = true;
			v.output = true;
			scope[decls[k].name] = v;
		}
	}
	run_batch_text(sql, scope);
	for (Variable &a : args) {
		const auto it = scope.find(to_lower_ascii(a.name));
		if (it != scope.end()) {
			a.value = it->second.value;
			a.type = it->second.type;
			a.typed = true;
		}
	}
}

} // namespace tributary::tds_server
