/*
 * tds_utf16.cpp — the UTF-16LE → UTF-8 conversion of Unicode values, and the
 * redirection of libsybdb's iconv calls to it (see tds_utf16.hpp for why).
 *
 * Zone: driver zone (no PostgreSQL headers, never calls the backend). Nothing
 * here throws. The wrappers run on whatever thread db-lib runs on (the
 * backend's, or a cursor's read-ahead thread): the registry of descriptors is
 * a fixed array of atomics, changed under a mutex, read without one.
 *
 * How the redirection works: libsybdb calls iconv_open, iconv and
 * iconv_close through its own global offset table (GOT), one slot per
 * function, which the dynamic linker fills with glibc's addresses. We find
 * those slots from the library's dynamic section (its relocations name the
 * symbols) and store our wrappers' addresses in them, unless a slot lies in
 * the read-only (RELRO) part of the library; then nothing is changed. Only
 * libsybdb's calls are affected — our own and glibc's are not.
 */
#include "fdw/tds/tds_utf16.hpp"

#include <elf.h>
#include <iconv.h>
#include <link.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "fdw/remote/driver_zone.hpp"

namespace tributary::tds {

namespace {

#if defined(__x86_64__)
constexpr bool got_known = true;
constexpr unsigned long jump_slot = R_X86_64_JUMP_SLOT;
constexpr unsigned long glob_dat = R_X86_64_GLOB_DAT;
#elif defined(__aarch64__)
constexpr bool got_known = true;
constexpr unsigned long jump_slot = R_AARCH64_JUMP_SLOT;
constexpr unsigned long glob_dat = R_AARCH64_GLOB_DAT;
#else
constexpr bool got_known = false; /* another architecture: db-lib keeps glibc's iconv */
constexpr unsigned long jump_slot = ~0UL;
constexpr unsigned long glob_dat = ~0UL;
#endif

/* A UTF-16LE code unit (byte by byte: any host order, any alignment). */
inline std::uint32_t
load_unit(const unsigned char *p) noexcept
{
	return static_cast<std::uint32_t>(p[0] | (p[1] << 8));
}

/* Descriptors opened for UTF-16LE → UTF-8 through libsybdb. */
constexpr std::size_t max_descriptors = 256;
std::atomic<void *> g_fast[max_descriptors];
std::atomic<std::size_t> g_fast_high{0}; /* slots in use are below this */
std::mutex g_fast_mutex;
bool g_installed = false;

bool
is_fast(iconv_t cd) noexcept
{
	const std::size_t high = g_fast_high.load(std::memory_order_acquire);
	for (std::size_t i = 0; i < high; i++) {
		if (g_fast[i].load(std::memory_order_acquire) == static_cast<void *>(cd)) {
			return true;
		}
	}
	return false;
}

void
remember(iconv_t cd) noexcept
{
	std::lock_guard<std::mutex> lock(g_fast_mutex);
	const std::size_t high = g_fast_high.load(std::memory_order_relaxed);
	for (std::size_t i = 0; i < max_descriptors; i++) {
		if (g_fast[i].load(std::memory_order_relaxed) == nullptr) {
			g_fast[i].store(static_cast<void *>(cd), std::memory_order_release);
			if (i >= high) {
				g_fast_high.store(i + 1, std::memory_order_release);
			}
			return;
		}
	}
	/* Full: this descriptor stays with glibc. */
}

void
forget(iconv_t cd) noexcept
{
	std::lock_guard<std::mutex> lock(g_fast_mutex);
	const std::size_t high = g_fast_high.load(std::memory_order_relaxed);
	for (std::size_t i = 0; i < high; i++) {
		if (g_fast[i].load(std::memory_order_relaxed) == static_cast<void *>(cd)) {
			g_fast[i].store(nullptr, std::memory_order_relaxed);
		}
	}
}

/* "UTF-8", "utf8", "UTF_8": letters and digits only, case ignored. */
bool
same_charset(const char *name, const char *canonical) noexcept
{
	if (name == nullptr) {
		return false;
	}
	const char *c = canonical;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '-' || *p == '_') {
			continue;
		}
		const char lower = (*p >= 'A' && *p <= 'Z') ? static_cast<char>(*p - 'A' + 'a') : *p;
		if (*c == '\0' || lower != *c) {
			return false;
		}
		c++;
	}
	return *c == '\0';
}

iconv_t
open_wrapper(const char *to, const char *from)
{
	iconv_t cd = iconv_open(to, from);
	if (cd != reinterpret_cast<iconv_t>(-1) && same_charset(to, "utf8") &&
	    same_charset(from, "utf16le")) {
		remember(cd);
	}
	return cd;
}

std::size_t
convert_wrapper(iconv_t cd, char **in, std::size_t *in_left, char **out, std::size_t *out_left)
{
	if (!is_fast(cd)) {
		return iconv(cd, in, in_left, out, out_left);
	}
	if (in == nullptr || *in == nullptr) {
		/* Reset the shift state (db-lib does after every value): UTF-8 has none to write. */
		return 0;
	}
	if (out == nullptr || *out == nullptr) {
		return iconv(cd, in, in_left, out, out_left); /* glibc's answer to a bad call */
	}
	const char *p = *in;
	const std::size_t r = utf16le_to_utf8(&p, in_left, out, out_left);
	*in = const_cast<char *>(p);
	return r;
}

int
close_wrapper(iconv_t cd)
{
	forget(cd);
	return iconv_close(cd);
}

/* The GOT slots of libsybdb that hold the three functions, found by symbol name. */
struct Slots {
	void **open = nullptr;
	void **convert = nullptr;
	void **close = nullptr;
	bool read_only = false; /* one of them lies in the RELRO segment */
};

struct Search {
	bool found = false;
	Slots slots;
};

template <typename T>
T
dyn_address(ElfW(Addr) base, ElfW(Addr) value) noexcept
{
	/* glibc relocates these entries in place; other loaders may leave them relative. */
	return reinterpret_cast<T>(value < base ? base + value : value);
}

void
scan_relocations(const ElfW(Rela) *rel, std::size_t bytes, const ElfW(Sym) *symtab,
                 const char *strtab, ElfW(Addr) base, Slots &slots) noexcept
{
	for (std::size_t i = 0; i < bytes / sizeof(ElfW(Rela)); i++) {
		const auto type = ELF64_R_TYPE(rel[i].r_info);
		if (type != jump_slot && type != glob_dat) {
			continue;
		}
		const char *name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
		void **slot = reinterpret_cast<void **>(base + rel[i].r_offset);
		if (std::strcmp(name, "iconv_open") == 0) {
			slots.open = slot;
		} else if (std::strcmp(name, "iconv") == 0) {
			slots.convert = slot;
		} else if (std::strcmp(name, "iconv_close") == 0) {
			slots.close = slot;
		}
	}
}

int
find_slots(struct dl_phdr_info *info, std::size_t, void *data)
{
	auto *search = static_cast<Search *>(data);
	if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, "/libsybdb.so") == nullptr) {
		return 0;
	}
	search->found = true;
	const ElfW(Addr) base = info->dlpi_addr;
	const ElfW(Dyn) *dyn = nullptr;
	ElfW(Addr) relro_start = 0, relro_end = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) &ph = info->dlpi_phdr[i];
		if (ph.p_type == PT_DYNAMIC) {
			dyn = reinterpret_cast<const ElfW(Dyn) *>(base + ph.p_vaddr);
		} else if (ph.p_type == PT_GNU_RELRO) {
			relro_start = base + ph.p_vaddr;
			relro_end = relro_start + ph.p_memsz;
		}
	}
	if (dyn == nullptr) {
		return 1;
	}
	const ElfW(Sym) *symtab = nullptr;
	const char *strtab = nullptr;
	const ElfW(Rela) *jmprel = nullptr, *rela = nullptr;
	std::size_t jmprel_bytes = 0, rela_bytes = 0;
	bool plt_rela = true;
	for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: symtab = dyn_address<const ElfW(Sym) *>(base, d->d_un.d_ptr); break;
		case DT_STRTAB: strtab = dyn_address<const char *>(base, d->d_un.d_ptr); break;
		case DT_JMPREL: jmprel = dyn_address<const ElfW(Rela) *>(base, d->d_un.d_ptr); break;
		case DT_PLTRELSZ: jmprel_bytes = d->d_un.d_val; break;
		case DT_PLTREL: plt_rela = d->d_un.d_val == DT_RELA; break;
		case DT_RELA: rela = dyn_address<const ElfW(Rela) *>(base, d->d_un.d_ptr); break;
		case DT_RELASZ: rela_bytes = d->d_un.d_val; break;
		default: break;
		}
	}
	if (symtab == nullptr || strtab == nullptr || !plt_rela) {
		return 1;
	}
	if (jmprel != nullptr) {
		scan_relocations(jmprel, jmprel_bytes, symtab, strtab, base, search->slots);
	}
	if (rela != nullptr) {
		scan_relocations(rela, rela_bytes, symtab, strtab, base, search->slots);
	}
	for (void **slot : {search->slots.open, search->slots.convert, search->slots.close}) {
		const auto at = reinterpret_cast<ElfW(Addr)>(slot);
		if (at >= relro_start && at < relro_end) {
			search->slots.read_only = true;
		}
	}
	return 1;
}

} // namespace

std::size_t
utf16le_to_utf8(const char **in, std::size_t *in_left, char **out, std::size_t *out_left) noexcept
{
	const auto *p = reinterpret_cast<const unsigned char *>(*in);
	const unsigned char *const end = p + *in_left;
	auto *o = reinterpret_cast<unsigned char *>(*out);
	unsigned char *const o_end = o + *out_left;
	int error = 0;
	static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the ASCII run loads units LE");
	while (end - p >= 2) {
#if defined(__SSE2__)
		/* Sixteen ASCII units at a time: most text is ASCII. */
		while (end - p >= 32 && o_end - o >= 16) {
			const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
			const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + 16));
			const __m128i mask = _mm_set1_epi16(-128);
			const __m128i zero = _mm_setzero_si128();
			/* Two bits per ASCII unit, in order: the units before the first other one. */
			const unsigned ascii_a = static_cast<unsigned>(
			    _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(a, mask), zero)));
			const unsigned ascii_b = static_cast<unsigned>(
			    _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(b, mask), zero)));
			const unsigned all = ascii_a | (ascii_b << 16);
			/* Pack all sixteen (there is room); keep the leading ASCII ones. */
			_mm_storeu_si128(reinterpret_cast<__m128i *>(o), _mm_packus_epi16(a, b));
			const unsigned units =
			    all == 0xFFFFFFFFu ? 16 : static_cast<unsigned>(__builtin_ctz(~all)) / 2;
			o += units;
			p += 2 * units;
			if (units < 16) {
				break;
			}
		}
#endif
		/* Four ASCII units at a time. */
		while (end - p >= 8 && o_end - o >= 4) {
			std::uint64_t w;
			std::memcpy(&w, p, sizeof w);
			if ((w & 0xFF80FF80FF80FF80ULL) != 0) {
				break;
			}
			o[0] = static_cast<unsigned char>(w);
			o[1] = static_cast<unsigned char>(w >> 16);
			o[2] = static_cast<unsigned char>(w >> 32);
			o[3] = static_cast<unsigned char>(w >> 48);
			o += 4;
			p += 8;
		}
		if (end - p < 2) {
			break;
		}
		const std::uint32_t u = load_unit(p);
		if (u < 0x80) {
			if (o_end - o < 1) {
				error = E2BIG;
				break;
			}
			*o++ = static_cast<unsigned char>(u);
			p += 2;
		} else if (u < 0x800) {
			if (o_end - o < 2) {
				error = E2BIG;
				break;
			}
			*o++ = static_cast<unsigned char>(0xC0 | (u >> 6));
			*o++ = static_cast<unsigned char>(0x80 | (u & 0x3F));
			p += 2;
		} else if (u < 0xD800 || u > 0xDFFF) {
			if (o_end - o < 3) {
				error = E2BIG;
				break;
			}
			*o++ = static_cast<unsigned char>(0xE0 | (u >> 12));
			*o++ = static_cast<unsigned char>(0x80 | ((u >> 6) & 0x3F));
			*o++ = static_cast<unsigned char>(0x80 | (u & 0x3F));
			p += 2;
		} else {
			/* A surrogate: a high one must be followed by a low one (glibc's order of checks). */
			if (u >= 0xDC00) {
				error = EILSEQ;
				break;
			}
			if (end - p < 4) {
				error = EINVAL;
				break;
			}
			const std::uint32_t lo = load_unit(p + 2);
			if (lo < 0xDC00 || lo > 0xDFFF) {
				error = EILSEQ;
				break;
			}
			if (o_end - o < 4) {
				error = E2BIG;
				break;
			}
			const std::uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			*o++ = static_cast<unsigned char>(0xF0 | (cp >> 18));
			*o++ = static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F));
			*o++ = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
			*o++ = static_cast<unsigned char>(0x80 | (cp & 0x3F));
			p += 4;
		}
	}
	if (error == 0 && p != end) {
		error = EINVAL; /* one odd byte left: an incomplete unit */
	}
	*in_left = static_cast<std::size_t>(end - p);
	*in = reinterpret_cast<const char *>(p);
	*out_left = static_cast<std::size_t>(o_end - o);
	*out = reinterpret_cast<char *>(o);
	if (error != 0) {
		errno = error;
		return static_cast<std::size_t>(-1);
	}
	return 0;
}

bool
install_fast_utf16() noexcept
{
	static std::once_flag once;
	std::call_once(once, []() {
		if (!got_known) {
			return;
		}
		Search search;
		dl_iterate_phdr(find_slots, &search);
		const Slots &s = search.slots;
		if (!search.found || s.open == nullptr || s.convert == nullptr || s.close == nullptr ||
		    s.read_only) {
			return;
		}
		/* Open and close first: a descriptor is known before the first converting call. */
		*s.close = reinterpret_cast<void *>(&close_wrapper);
		*s.open = reinterpret_cast<void *>(&open_wrapper);
		*s.convert = reinterpret_cast<void *>(&convert_wrapper);
		g_installed = true;
	});
	return g_installed;
}

bool
fast_utf16_installed() noexcept
{
	return g_installed;
}

} // namespace tributary::tds
