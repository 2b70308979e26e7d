import streamlit as st
st.title("stub")
