# ds_embed_text(SYMBOL INPUT OUTPUT): write a C file defining
#   const char SYMBOL[]; const unsigned long SYMBOL_len;
# holding INPUT's bytes plus a NUL, regenerated when INPUT changes. Shipped
# knowledge (blame rules, exception codes) stays a readable data file and
# still ends up inside the binary, with no tool beyond CMake.
function(ds_embed_text symbol input output)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${input})
  file(READ ${input} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
         "\\1\n" bytes "${bytes}")
  file(WRITE ${output}.tmp "/* Generated from ${input}; do not edit. */\n"
       "const char ${symbol}[] = {\n${bytes}0x00};\n"
       "const unsigned long ${symbol}_len = sizeof ${symbol} - 1;\n")
  configure_file(${output}.tmp ${output} COPYONLY)
endfunction()
