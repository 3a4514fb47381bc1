global-incdirs-y += include
srcs-y += cxx_ta.cpp
srcs-y += c_part.c
cxxflags-y += -std=gnu++17 -DFROM_CXXFLAGS=7
cxxflags-cxx_ta.cpp-y += -DFROM_FILE_CXXFLAGS=5
cxxflags-remove-y += -Wall
cflags-y += -DFROM_CFLAGS=3
