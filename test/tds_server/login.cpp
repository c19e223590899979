/*
 * login.cpp — PRELOGIN and LOGIN7 (tds-notes §2): encryption is never offered
 * (ENCRYPT_NOT_SUP), the password is checked against --user/--password, and a good
 * login gets SQL Server's token sequence with this session's SPID in every header.
 *
 * Zone: test server. The password is decoded only to compare it; it is never logged or
 * kept.
 */
#include "test/tds_server/session.hpp"

#include "test/tds_server/tokens.hpp"

namespace tributary::tds_server
{

namespace
{

constexpr std::uint32_t tds72 = 0x72090002;
constexpr std::uint32_t tds73a = 0x730A0003;
constexpr std::uint32_t tds73b = 0x730B0003;
constexpr std::uint32_t tds74 = 0x74000004;

struct Login7 {
	std::uint32_t tds_version = 0;
	std::uint32_t packet_size = 4096;
	std::uint8_t option_flags3 = 0;
	std::string host;
	std::string user;
	std::string password;
	std::string app;
	std::string database;
	std::string language;
	bool utf8_feature = false;
};

std::string
read_string(const Message &m, std::size_t offset, std::size_t chars)
{
	if (chars == 0) {
		return std::string();
	}
	ByteReader r(m.payload.data(), m.payload.size());
	r.seek(offset);
	return r.utf16(chars);
}

std::string
read_password(const Message &m, std::size_t offset, std::size_t chars)
{
	ByteReader r(m.payload.data(), m.payload.size());
	r.seek(offset);
	const std::uint8_t *p = r.take(chars * 2);
	std::vector<std::uint8_t> plain(chars * 2);
	for (std::size_t k = 0; k < plain.size(); k++) {
		const auto b = static_cast<std::uint8_t>(p[k] ^ 0xA5);
		plain[k] = static_cast<std::uint8_t>((b << 4) | (b >> 4));
	}
	return utf16le_to_utf8(plain.data(), plain.size());
}

Login7
parse_login7(const Message &m)
{
	ByteReader r(m.payload.data(), m.payload.size());
	Login7 l;
	r.u32(); /* length */
	l.tds_version = r.u32();
	l.packet_size = r.u32();
	r.skip(12); /* client program version, PID, connection id */
	r.u8();     /* option flags 1 */
	r.u8();     /* option flags 2 */
	r.u8();     /* type flags */
	l.option_flags3 = r.u8();
	r.skip(8); /* time zone, LCID */
	struct Ref {
		std::uint16_t off;
		std::uint16_t len;
	};
	Ref refs[9];
	for (int k = 0; k < 6; k++) {
		refs[k].off = r.u16();
		refs[k].len = r.u16();
	}
	/* 0 host, 1 user, 2 password, 3 app, 4 server, 5 extension */
	Ref library{r.u16(), r.u16()};
	Ref language{r.u16(), r.u16()};
	Ref database{r.u16(), r.u16()};
	(void)library;
	l.host = read_string(m, refs[0].off, refs[0].len);
	l.user = read_string(m, refs[1].off, refs[1].len);
	l.password = read_password(m, refs[2].off, refs[2].len);
	l.app = read_string(m, refs[3].off, refs[3].len);
	l.language = read_string(m, language.off, language.len);
	l.database = read_string(m, database.off, database.len);
	if ((l.option_flags3 & 0x10) && refs[5].len >= 4) {
		/* fExtension: ibExtension points at a 4-byte offset of the FeatureExt block */
		ByteReader ext(m.payload.data(), m.payload.size());
		ext.seek(refs[5].off);
		const std::uint32_t feat = ext.u32();
		if (feat < m.payload.size()) {
			ext.seek(feat);
			while (!ext.at_end()) {
				const std::uint8_t id = ext.u8();
				if (id == 0xFF) {
					break;
				}
				const std::uint32_t len = ext.u32();
				ext.skip(len);
				if (id == 0x0A) {
					l.utf8_feature = true;
				}
			}
		}
	}
	return l;
}

} // namespace

bool
Session::handshake()
{
	Message m;
	if (!m_ch.read_message(m)) {
		return false;
	}
	if (m.type == packet_type::prelogin) {
		reply_prelogin(m);
		if (!m_ch.read_message(m)) {
			return false;
		}
	}
	if (m.type != packet_type::login7) {
		log("unexpected packet type " + std::to_string(m.type) + " before LOGIN7");
		return false;
	}
	return login(m);
}

void
Session::reply_prelogin(const Message &)
{
	/* VERSION, ENCRYPTION = NOT_SUP, INSTOPT, THREADID (empty), MARS = off */
	const std::uint8_t options[][2] = {{0, 6}, {1, 1}, {2, 1}, {3, 0}, {4, 1}};
	ByteBuffer b;
	std::uint16_t offset = 5 * 5 + 1;
	for (const auto &o : options) {
		b.put_u8(o[0]);
		b.put_u8(static_cast<std::uint8_t>(offset >> 8));
		b.put_u8(static_cast<std::uint8_t>(offset));
		b.put_u8(0);
		b.put_u8(o[1]);
		offset = static_cast<std::uint16_t>(offset + o[1]);
	}
	b.put_u8(0xFF);
	const std::uint8_t version[6] = {16, 0, 0x03, 0xE8, 0, 0};
	b.put(version, 6);
	b.put_u8(0x02); /* ENCRYPT_NOT_SUP: FreeTDS then logs in without TLS */
	b.put_u8(0x00);
	b.put_u8(0x00);
	m_ch.begin();
	m_ch.put(b);
	m_ch.end();
}

void
Session::login_failed(const std::string &user, const ServerMessage *first)
{
	m_ch.begin();
	if (first) {
		write_message(m_ch, *first, "tributary-tds");
	}
	ServerMessage msg;
	msg.number = 18456;
	msg.cls = 14;
	msg.state = 1;
	msg.text = "Login failed for user '" + user + "'.";
	write_message(m_ch, msg, "tributary-tds");
	write_done(m_ch, token::done, done_status::error, 0, 0);
	m_ch.end();
	log("login failed for user '" + user + "'");
}

bool
Session::login(const Message &m)
{
	const Login7 l = parse_login7(m);
	if (l.tds_version < tds72) {
		log("rejected TDS version " + std::to_string(l.tds_version));
		login_failed(l.user, nullptr);
		return false;
	}
	std::uint32_t version = tds74;
	if (l.tds_version < tds73a) {
		version = tds72;
	} else if (l.tds_version < tds74) {
		version = l.tds_version < tds73b ? tds73a : tds73b;
	}
	m_wire.tds_version = version;
	m_ch.set_spid(m_spid);
	const Config &cfg = m_server.config();
	if (!iequals(l.user, cfg.user) || l.password != cfg.password) {
		login_failed(l.user, nullptr);
		return false;
	}
	std::string db = l.database.empty() ? cfg.database : l.database;
	if (!iequals(db, cfg.database) && !iequals(db, "master") && !iequals(db, "tempdb")) {
		ServerMessage first;
		first.number = 4060;
		first.cls = 11;
		first.text =
		    "Cannot open database \"" + db + "\" requested by the login. The login failed.";
		login_failed(l.user, &first);
		return false;
	}
	if (iequals(db, cfg.database)) {
		db = cfg.database;
	}
	if (!open_database()) {
		ServerMessage first;
		first.number = 4060;
		first.cls = 11;
		first.text =
		    "Cannot open database \"" + db + "\" requested by the login. The login failed.";
		login_failed(l.user, &first);
		return false;
	}
	m_user = l.user;
	m_app = l.app;
	m_host = l.host;
	m_database = db;
	m_ch.set_packet_size(l.packet_size == 0 ? 4096 : l.packet_size);

	m_ch.begin();
	write_envchange(m_ch, envchange_type::database, m_database, "master");
	ServerMessage info;
	info.number = 5701;
	info.cls = 0;
	info.state = 2;
	info.text = "Changed database context to '" + m_database + "'.";
	write_message(m_ch, info, "tributary-tds");
	static const std::uint8_t utf8_collation[5] = {0x09, 0x04, 0xD0, 0x24, 0x00};
	static const std::uint8_t latin1_collation[5] = {0x09, 0x04, 0xD0, 0x00, 0x34};
	write_envchange_bytes(m_ch, envchange_type::collation,
	                      m_wire.utf8_varchar() ? utf8_collation : latin1_collation, 5, nullptr, 0);
	write_envchange(m_ch, envchange_type::language, "us_english", "");
	info.number = 5703;
	info.state = 1;
	info.text = "Changed language setting to us_english.";
	write_message(m_ch, info, "tributary-tds");
	write_loginack(m_ch, version, "Microsoft SQL Server");
	if (l.utf8_feature && version >= tds74) {
		write_featureextack_utf8(m_ch);
	}
	const std::string ps = std::to_string(m_ch.packet_size());
	write_envchange(m_ch, envchange_type::packet_size, ps, ps);
	write_done(m_ch, token::done, done_status::final, 0, 0);
	m_ch.end();
	log("login user=" + m_user + " app=" + m_app + " database=" + m_database +
	    " tds=" + std::to_string(version >> 28) + "." + std::to_string(version >> 24 & 0xF) +
	    " packet=" + ps);
	return true;
}

} // namespace tributary::tds_server
