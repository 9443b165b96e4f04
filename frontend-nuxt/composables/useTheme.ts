// Light/dark: follows the system until the user picks one (remembered).
import { ref, watchEffect } from 'vue'

const THEME_KEY = 'regimecast.theme'
const theme = ref<'light' | 'dark'>('light')
let initialised = false

export function useTheme() {
  if (!initialised && import.meta.client) {
    initialised = true
    const saved = window.localStorage.getItem(THEME_KEY)
    theme.value = saved === 'dark' || saved === 'light'
      ? saved
      : window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
    watchEffect(() => {
      document.documentElement.dataset.theme = theme.value
    })
  }
  const toggle = () => {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
    window.localStorage.setItem(THEME_KEY, theme.value)
  }
  return { theme, toggle }
}
