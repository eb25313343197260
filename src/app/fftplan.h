/* The FFTW plan cache shared by the subcommands that run SCFs (main.c). */
#ifndef FURUI_APP_FFTPLAN_H
#define FURUI_APP_FFTPLAN_H

#include <stddef.h>

/* Path of the wisdom cache into buf: FURUI_FFTW_WISDOM=path, or "off"
 * (returns 0); default $XDG_CACHE_HOME/furui/fftw.wisdom or
 * ~/.cache/furui/fftw.wisdom. Returns 1 when the cache is on. */
int app_wisdom_path(char *buf, size_t len);
/* 1 when plans are cached across runs, so that patient planning pays off:
 * the value for fu_scf_params.fft_patient. */
int app_fft_patient(void);

#endif
