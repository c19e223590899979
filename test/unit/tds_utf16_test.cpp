/*
 * tds_utf16_test.cpp — the driver's UTF-16LE → UTF-8 conversion against glibc's
 * iconv, which it replaces inside libsybdb: same bytes out, same return value,
 * same errno, same input and output positions, for every BMP unit, surrogate
 * pairs and lone surrogates, odd lengths, and output buffers of every size
 * (no server).
 */
#include "fdw/tds/tds_utf16.hpp"

#include <iconv.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tds = tributary::tds;

namespace {

/* What one conversion call did. */
struct Outcome {
	std::size_t result = 0;
	int error = 0;
	std::size_t consumed = 0;
	std::string produced;

	bool operator==(const Outcome &o) const
	{
		return result == o.result && error == o.error && consumed == o.consumed &&
		       produced == o.produced;
	}
};

std::ostream &
operator<<(std::ostream &os, const Outcome &o)
{
	os << "result " << static_cast<long long>(o.result) << " errno " << o.error << " consumed "
	   << o.consumed << " produced";
	for (const unsigned char c : o.produced) {
		os << ' ' << std::hex << static_cast<int>(c) << std::dec;
	}
	return os;
}

class Glibc {
public:
	Glibc() : m_cd(iconv_open("UTF-8", "UTF-16LE")) {}
	~Glibc() { iconv_close(m_cd); }
	bool ok() const { return m_cd != reinterpret_cast<iconv_t>(-1); }

	Outcome convert(const std::string &in, std::size_t room) const
	{
		iconv(m_cd, nullptr, nullptr, nullptr, nullptr);
		std::vector<char> out(room + 1);
		char *ip = const_cast<char *>(in.data());
		std::size_t il = in.size();
		char *op = out.data();
		std::size_t ol = room;
		errno = 0;
		Outcome o;
		o.result = iconv(m_cd, &ip, &il, &op, &ol);
		o.error = o.result == static_cast<std::size_t>(-1) ? errno : 0;
		o.consumed = in.size() - il;
		o.produced.assign(out.data(), room - ol);
		return o;
	}

private:
	iconv_t m_cd;
};

Outcome
ours(const std::string &in, std::size_t room)
{
	std::vector<char> out(room + 1);
	const char *ip = in.data();
	std::size_t il = in.size();
	char *op = out.data();
	std::size_t ol = room;
	errno = 0;
	Outcome o;
	o.result = tds::utf16le_to_utf8(&ip, &il, &op, &ol);
	o.error = o.result == static_cast<std::size_t>(-1) ? errno : 0;
	o.consumed = in.size() - il;
	o.produced.assign(out.data(), room - ol);
	EXPECT_EQ(ip, in.data() + o.consumed);
	EXPECT_EQ(op, out.data() + o.produced.size());
	return o;
}

std::string
units(std::initializer_list<std::uint16_t> us)
{
	std::string s;
	for (const std::uint16_t u : us) {
		s.push_back(static_cast<char>(u & 0xFF));
		s.push_back(static_cast<char>(u >> 8));
	}
	return s;
}

} // namespace

TEST(TdsUtf16, converts_text_with_accents_cjk_and_emoji)
{
	/* "Zoë 東京 🐕" */
	const std::string in = units({0x5A, 0x6F, 0xEB, 0x20, 0x6771, 0x4EAC, 0x20, 0xD83D, 0xDC15});
	const Outcome o = ours(in, 64);
	EXPECT_EQ(o.error, 0);
	EXPECT_EQ(o.produced, "Zo\xC3\xAB \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x90\x95");
	EXPECT_EQ(o.consumed, in.size());
}

TEST(TdsUtf16, matches_glibc_for_every_bmp_unit_and_output_size)
{
	Glibc glibc;
	ASSERT_TRUE(glibc.ok());
	for (std::uint32_t u = 0; u <= 0xFFFF; u++) {
		/* The unit between ASCII so both the fast run and the single-unit path see it. */
		const std::string in = units({0x41, 0x42, 0x43, 0x44, static_cast<std::uint16_t>(u), 0x45});
		for (const std::size_t room : {0, 4, 5, 6, 7, 8, 16}) {
			ASSERT_EQ(ours(in, room), glibc.convert(in, room)) << "unit " << u << " room " << room;
		}
	}
}

TEST(TdsUtf16, matches_glibc_for_surrogates_paired_lone_and_cut)
{
	Glibc glibc;
	ASSERT_TRUE(glibc.ok());
	const std::vector<std::string> cases = {
	    units({0xD800, 0xDC00}),         units({0xDBFF, 0xDFFF}),
	    units({0x61, 0xD83D, 0xDE00, 0x62}),
	    units({0xD83D}),                 /* high surrogate at the end: incomplete */
	    units({0x61, 0xD83D}),           units({0xDC00, 0x61}), /* lone low */
	    units({0xD83D, 0x61}),           /* high then no low */
	    units({0xD83D, 0xD83D, 0xDE00}), /* high then high */
	    units({0x61}) + "\x62",          /* odd length */
	    units({0xD83D}) + "\x00",        /* high, then half a unit */
	    std::string(),
	};
	for (const std::string &in : cases) {
		for (std::size_t room = 0; room <= 12; room++) {
			ASSERT_EQ(ours(in, room), glibc.convert(in, room))
			    << "case of " << in.size() << " bytes, room " << room;
		}
	}
}

TEST(TdsUtf16, matches_glibc_on_random_text_and_buffers)
{
	Glibc glibc;
	ASSERT_TRUE(glibc.ok());
	std::mt19937 rng(4);
	/* Mostly ASCII, some Latin-1, CJK and surrogates (paired or not), like real columns. */
	const std::uint16_t pool[] = {0x20, 0x41, 0x7A, 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0x20AC,
	                              0xFEFF, 0xFFFD, 0xFFFF, 0xD83D, 0xDE00, 0xDBFF, 0xDC00};
	for (int round = 0; round < 20000; round++) {
		std::string in;
		const int n = static_cast<int>(rng() % 40);
		for (int i = 0; i < n; i++) {
			const bool ascii = rng() % 4 != 0;
			const std::uint16_t u =
			    ascii ? static_cast<std::uint16_t>(0x20 + rng() % 0x5F) : pool[rng() % 16];
			in += units({u});
		}
		if (rng() % 10 == 0) {
			in.push_back('\x41');
		}
		const std::size_t room = rng() % 3 == 0 ? rng() % 20 : 256;
		ASSERT_EQ(ours(in, room), glibc.convert(in, room)) << "round " << round;
	}
}

TEST(TdsUtf16, matches_glibc_where_long_ascii_runs_meet_other_characters)
{
	/* The vector paths take 16 and 4 units at a time: put the odd unit at every offset. */
	Glibc glibc;
	ASSERT_TRUE(glibc.ok());
	const std::vector<std::string> odd = {units({0x7F}), units({0x80}), units({0xE9}),
	                                      units({0x800}), units({0xD83D, 0xDE00}),
	                                      units({0xDC00}), units({0xD83D})};
	for (std::size_t at = 0; at <= 48; at++) {
		for (const std::string &u : odd) {
			std::string in;
			for (std::size_t i = 0; i < 48; i++) {
				in += i == at ? u : units({static_cast<std::uint16_t>('a' + i % 26)});
			}
			for (const std::size_t room : {0, 3, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100}) {
				ASSERT_EQ(ours(in, room), glibc.convert(in, room))
				    << "odd unit at " << at << ", room " << room;
			}
		}
	}
}
