/*
 * arena.cpp — see arena.hpp. Zone: driver zone, std only.
 */
#include "fdw/remote/arena.hpp"

#include <cstring>

namespace tributary::remote {

namespace {

constexpr std::size_t arena_chunk = 1U << 20;

} // namespace

const char *
Arena::copy(const char *p, std::size_t n)
{
	while (m_index < m_chunks.size()) {
		Chunk &c = m_chunks[m_index];
		if (c.size - m_offset >= n) {
			char *d = c.data.get() + m_offset;
			std::memcpy(d, p, n);
			m_offset += n;
			m_used += n;
			return d;
		}
		m_index++;
		m_offset = 0;
	}
	const std::size_t size = n > arena_chunk ? n : arena_chunk;
	/* Not value-initialised: every byte handed out is written first. */
	m_chunks.push_back(Chunk{std::unique_ptr<char[]>(new char[size]), size});
	m_index = m_chunks.size() - 1;
	m_offset = 0;
	return copy(p, n);
}

void
Arena::reset() noexcept
{
	/* Keep the standard chunks for the next batch; give an oversized one back. */
	std::size_t keep = 0;
	for (std::size_t i = 0; i < m_chunks.size(); i++) {
		if (m_chunks[i].size == arena_chunk) {
			if (keep != i) {
				m_chunks[keep] = std::move(m_chunks[i]);
			}
			keep++;
		}
	}
	m_chunks.resize(keep);
	m_index = 0;
	m_offset = 0;
	m_used = 0;
}

} // namespace tributary::remote
