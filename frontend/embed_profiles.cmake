# embed_profiles.cmake - the profiles built into the binary: every
# <kind>/<name>.yaml under ROOT (the project's profiles/) as a C table of
# their texts (profile_builtin.h), written to OUT.  Run at build time by
# frontend/CMakeLists.txt whenever a profile changes:
#   cmake -DROOT=profiles -DOUT=profile_builtin_data.c -P embed_profiles.cmake
file(GLOB files RELATIVE "${ROOT}" "${ROOT}/*/*.yaml")
list(SORT files)
set(tables "")
set(rows "")
set(i 0)
foreach(f IN LISTS files)
  get_filename_component(kind "${f}" DIRECTORY)
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${ROOT}/${f}" hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR bytes "${digits} / 2")
  # 16 bytes a line (CMake's regular expressions have no {n}), as 0x..
  # initialisers, then the terminating NUL.
  string(REPEAT "[0-9a-f]" 32 line)
  string(REGEX REPLACE "(${line})" "\\1\n\t" hex "${hex}")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND tables "/* ${f} */\nstatic const char text_${i}[] = {\n\t${hex}0};\n\n")
  string(APPEND rows "\t{\"${kind}\", \"${name}\", text_${i}, ${bytes}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}"
  "/* Generated from profiles/ by frontend/embed_profiles.cmake: do not edit. */\n"
  "#include \"profile_builtin.h\"\n\n"
  "${tables}"
  "const struct profile_builtin profile_builtin_table[] = {\n${rows}};\n"
  "const size_t profile_builtin_count = ${i};\n")
