# `cmake --install` (and `make install`, `make deb`): the binary, its man page, the docs, the
# systemd unit and an example config, under CMAKE_INSTALL_PREFIX; DESTDIR stages them
# (docs/install.md). The unit names the binary and config by their installed paths, so the
# prefix is fixed when the build dir is configured, not at install time.
include(GNUInstallDirs)

set(OT_SYSTEMD_UNITDIR "" CACHE PATH
    "Where the systemd unit goes (empty: systemd's own dir for PREFIX=/usr, else PREFIX/lib/systemd/system)")
set(ot_unitdir "${OT_SYSTEMD_UNITDIR}")
if(NOT ot_unitdir)
  set(ot_unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")  # systemd also reads /usr/local/lib/systemd/system
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    pkg_get_variable(ot_systemd_unitdir systemd systemdsystemunitdir)  # /lib/systemd/system on Debian 12
    if(ot_systemd_unitdir)
      set(ot_unitdir "${ot_systemd_unitdir}")
    endif()
  endif()
endif()

set(OT_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(OT_SYSCONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}")
set(OT_DOCDIR "${CMAKE_INSTALL_FULL_DOCDIR}")
set(OT_SYSUSERSDIR "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")
configure_file(${CMAKE_SOURCE_DIR}/packaging/opentrail.service.in
               ${CMAKE_BINARY_DIR}/opentrail.service @ONLY)

install(TARGETS opentrail RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_BINARY_DIR}/opentrail.service DESTINATION ${ot_unitdir})
install(FILES packaging/opentrail.sysusers DESTINATION ${OT_SYSUSERSDIR} RENAME opentrail.conf)
install(FILES README.md LICENSE CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(FILES packaging/opentrail.conf DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME opentrail.conf.example)
# The config file itself only if there is none yet: an admin's edits survive `make install`.
install(CODE "
  set(conf \"\$ENV{DESTDIR}${OT_SYSCONFDIR}/opentrail/opentrail.conf\")
  if(EXISTS \"\${conf}\")
    message(STATUS \"Keeping: \${conf}\")
  else()
    file(INSTALL \"${CMAKE_SOURCE_DIR}/packaging/opentrail.conf\"
         DESTINATION \"${OT_SYSCONFDIR}/opentrail\")  # file(INSTALL) adds DESTDIR itself
  endif()")

# The man page, made from `opentrail --help` and `opentrail serve --help` when help2man is there (scripts/install-deps.sh
# installs it); without it `make install` skips the page and says so.
find_program(OT_HELP2MAN help2man)
if(OT_HELP2MAN)
  add_custom_command(OUTPUT opentrail.1.gz
    COMMAND ${CMAKE_SOURCE_DIR}/packaging/man-serve.sh $<TARGET_FILE:opentrail> serve.h2m
    COMMAND ${OT_HELP2MAN} --no-info --no-discard-stderr
            --name "self-hosted audit trail, wire- and file-compatible with AWS CloudTrail"
            --include ${CMAKE_SOURCE_DIR}/packaging/opentrail.h2m --include serve.h2m
            --output opentrail.1 $<TARGET_FILE:opentrail>
    COMMAND gzip -9nf opentrail.1
    DEPENDS opentrail ${CMAKE_SOURCE_DIR}/packaging/opentrail.h2m
            ${CMAKE_SOURCE_DIR}/packaging/man-serve.sh
    COMMENT "man page opentrail.1 (help2man)")
  add_custom_target(opentrail_man ALL DEPENDS opentrail.1.gz)
  install(FILES ${CMAKE_BINARY_DIR}/opentrail.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "no help2man: `make install` installs no man page (opentrail --help still works)")
  add_custom_target(opentrail_man)
endif()

# What `make install` builds before `cmake --install`: the binary and its man page, not the
# tests or benchmarks.
add_custom_target(installable DEPENDS opentrail opentrail_man)
