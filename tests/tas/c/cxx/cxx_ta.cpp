// SPDX-License-Identifier: Apache-2.0
/*
 * A TA written in C++: entry points with C linkage from the devkit's
 * headers, static constructors, exceptions, the standard library's
 * containers and algorithms, virtual calls, new and delete.
 */
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <cxx_ta.h>
#include <tee_internal_api.h>

#if FROM_CXXFLAGS != 7 || FROM_FILE_CXXFLAGS != 5
#error "cxxflags-y or cxxflags-<file>-y did not reach the C++ source"
#endif
#ifdef FROM_CFLAGS
#error "cflags-y must not reach C++ sources"
#endif

namespace {

int constructions;

struct Registry {
	std::map<std::string, int> entries;
	Registry()
	{
		constructions++;
		entries["seven"] = 7;
	}
};

Registry registry;

struct Shape {
	virtual ~Shape() = default;
	virtual int area() const = 0;
};

struct Square : Shape {
	explicit Square(int s) : side(s) {}
	int area() const override { return side * side; }
	int side;
};

struct Rect : Shape {
	Rect(int w, int h) : w(w), h(h) {}
	int area() const override { return w * h; }
	int w, h;
};

int checks()
{
	if (constructions != 1 || registry.entries.at("seven") != 7)
		return 1;

	try {
		(void)registry.entries.at("missing");
		return 2;
	} catch (const std::out_of_range &) {
	}

	try {
		throw std::runtime_error("thrown in a TA");
	} catch (const std::exception &e) {
		if (std::strcmp(e.what(), "thrown in a TA") != 0)
			return 3;
	}

	std::vector<std::unique_ptr<Shape>> shapes;
	shapes.push_back(std::make_unique<Square>(3));
	shapes.push_back(std::make_unique<Rect>(2, 5));
	int total = 0;
	for (const auto &s : shapes)
		total += s->area();
	if (total != 19)
		return 4;

	std::ostringstream os;
	os << "x=" << 42;
	if (os.str() != "x=42")
		return 5;

	if (cxx_ta_c_part(14) != 42)
		return 6;

	return 0;
}

TEE_Result sort_words(uint32_t pt, TEE_Param p[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	std::string text(static_cast<const char *>(p[0].memref.buffer), p[0].memref.size);
	std::istringstream in(text);
	std::vector<std::string> words;
	for (std::string w; in >> w;)
		words.push_back(w);
	std::sort(words.begin(), words.end());
	std::string out;
	for (const auto &w : words)
		out += (out.empty() ? "" : " ") + w;
	if (out.size() > p[1].memref.size) {
		p[1].memref.size = out.size();
		return TEE_ERROR_SHORT_BUFFER;
	}
	std::memcpy(p[1].memref.buffer, out.data(), out.size());
	p[1].memref.size = out.size();
	return TEE_SUCCESS;
}

} // namespace

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}

TEE_Result TA_OpenSessionEntryPoint(uint32_t, TEE_Param[4], void **)
{
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *) {}

TEE_Result TA_InvokeCommandEntryPoint(void *, uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	switch (cmd) {
	case TA_CXX_CMD_CHECKS:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		p[0].value.a = checks();
		p[0].value.b = constructions;
		return TEE_SUCCESS;
	case TA_CXX_CMD_SORT_WORDS:
		return sort_words(pt, p);
	case TA_CXX_CMD_UNCAUGHT:
		throw std::logic_error("nobody catches this");
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
